"""Routes of Settings' people and SLA sections: departments and routing, people, business
hours, SLA policies (included by urls.py under the `settings` namespace)."""

from django.urls import path

from destek.configuration.views import departments, hours, people, sla_policies

urlpatterns = [
    path("departments/", departments.department_list, name="departments"),
    path("departments/new/", departments.department_edit, name="department_add"),
    path("departments/<int:department_id>/", departments.department_edit,
         name="department_edit"),
    path("departments/<int:department_id>/delete/", departments.department_delete,
         name="department_delete"),
    path("routing/new/", departments.rule_edit, name="routing_rule_add"),
    path("routing/<int:rule_id>/", departments.rule_edit, name="routing_rule_edit"),
    path("routing/<int:rule_id>/delete/", departments.rule_delete, name="routing_rule_delete"),
    path("people/", people.people_list, name="people"),
    path("people/invite/", people.person_invite, name="person_invite"),
    path("people/<int:user_id>/", people.person_edit, name="person_edit"),
    path("people/<int:user_id>/invite/", people.person_reinvite, name="person_reinvite"),
    path("sla/", sla_policies.policy_list, name="sla_policies"),
    path("sla/new/", sla_policies.policy_edit, name="sla_policy_add"),
    path("sla/<int:policy_id>/", sla_policies.policy_edit, name="sla_policy_edit"),
    path("sla/<int:policy_id>/delete/", sla_policies.policy_delete, name="sla_policy_delete"),
    path("hours/", hours.calendar_list, name="business_hours"),
    path("hours/new/", hours.calendar_edit, name="business_hours_add"),
    path("hours/<int:calendar_id>/", hours.calendar_edit, name="business_hours_edit"),
    path("hours/<int:calendar_id>/delete/", hours.calendar_delete,
         name="business_hours_delete"),
]
