"""The security audit log: who did what to whom, when and from where.

Every app records through `destek.audit.log.record`; admins search it in the desk.
Sits just above `core` so that even `accounts` (sign-ins, MFA, roles) can record.
"""
