"""The layout `terraform fmt` would give every file, checked without the binary (harness/iac/fmt.py
says which rules): the committed files follow it, and each rule fails on a file that breaks it."""

import pytest

from harness.iac import fmt


def test_the_committed_files_are_laid_out_as_terraform_fmt_would(tree):
    problems = [p for f in tree.all_files for p in fmt.check_file(f.name, f.text)]
    assert not problems, "\n".join(problems)
    print(f"layout of {len(tree.all_files)} files: two-space indentation, aligned `=` and comments")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = {\n   b = 1\n}\n", "x.tf:2: indented 3 spaces, `terraform fmt` indents it 2"),
        ("a = [\n  1,\n    ]\n", "x.tf:3: indented 4 spaces, `terraform fmt` indents it 0"),
        ("a = {\n\tb = 1\n}\n", "x.tf:2: a tab; indent with two spaces"),
        ("a = 1 \n", "x.tf:1: trailing whitespace"),
        ("a = 1\r\n", "x.tf:1: a carriage return"),
        ("a = 1", "x.tf: must end with exactly one newline"),
        ("a = 1\n\n", "x.tf: must end with exactly one newline"),
        (
            'r "t" "n" {\n  a = 1\n  long = 2\n}\n',
            "x.tf:2: the `=` is in column 5, `terraform fmt` puts it in column 8",
        ),
        (
            "a   = 1\nbb  = 2\n",
            "x.tf:1: the `=` is in column 5, `terraform fmt` puts it in column 4",
        ),
        (
            "a = 1 # one\nbb = 22 # two\n",
            "x.tf:1: the comment is in column 7, `terraform fmt` puts it in column 9",
        ),
    ],
)
def test_each_layout_rule_can_fail(text, message):
    assert any(p.startswith(message) for p in fmt.check_file("x.tf", text)), fmt.check_file(
        "x.tf", text
    )


def test_what_terraform_fmt_leaves_alone_passes():
    text = (
        'locals {\n  # a comment\n  short = "a"\n  longer = {\n    x = 1\n  }\n\n'
        '  list = join(",", [\n    "a",\n  ])\n  doc = <<-EOT\n       any { layout\n  EOT\n}\n'
    )
    assert fmt.check_file("x.tf", text) == []
