"""Customers' data rights (KVKK / GDPR): export, erasure by anonymisation, retention rules.

Above every app that holds personal data (it reads and rewrites their rows), below the
portal and the desk that offer it.
"""
