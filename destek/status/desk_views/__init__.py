"""The agents' pages for incidents, maintenance, components and backup routines
(/desk/incidents/): thin views over `destek.status.services`.

Who may do what: every staff member reads; agents, supervisors and administrators declare,
update and publish incidents and maintenance (outsourced agents only read: an incident speaks
to every customer, beyond their departments); supervisors and administrators manage the
components, groups and backup routines.
"""
