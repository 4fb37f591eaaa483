"""The desk works the rules: triggers on events, time-based automations, macros' actions."""
