"""The HPA gate: does the deployment scale out under load, stay correct, and scale back in?

    python -m harness.hpa --deployment users-api --namespace users  # with KUBECONFIG and BASE_URL

The checker talks to a real cluster through the ``kubernetes`` client (KUBECONFIG or in-cluster),
checks its preconditions, drives a bounded load at BASE_URL from its own process, records a
timeline of the HorizontalPodAutoscaler and the Deployment, and writes reports/hpa-timeline.json,
reports/hpa.xml (JUnit) and reports/hpa-timeline.png. ``tests/hpa`` tests the checker
against a fake API server (a test double: the live gate is what runs against real clusters).
"""
