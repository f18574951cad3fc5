"""Enforcement-action requests: submit, assess, route, decide, dissent, review, escalate.

Every operation runs as one write transaction that also appends the audit entries
recording it (:mod:`discretion.audit`), so a request and its history are never half
written. :class:`~discretion.workflow.service.Workflow` is the entry point used by the
API and the CLI; it checks every permission itself.
"""
