"""The pipeline rehearsal: azure-pipelines.yml expanded for a trigger and its CI, Build and
Verify dev steps run here, in order, in a clean clone (python3 toxw -e rehearse)."""
