from django.urls import path

from cohorts import manage_views, views

app_name = "cohorts"

urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("new/", views.cohort_create, name="create"),
    path("join/<str:token>/", views.join, name="join"),
    path("join/<str:token>/decline/", views.decline, name="decline"),
    path("emails/off/<str:token>/", views.email_opt_out, name="email_opt_out"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/nudge/", views.nudge, name="nudge"),
    path("<slug:slug>/my-emails/", views.my_emails, name="my_emails"),
    path("<slug:slug>/members/<str:username>/", views.member, name="member"),
    path("<slug:slug>/members/<str:username>/role/", manage_views.member_role, name="member_role"),
    path("<slug:slug>/members/<str:username>/remove/", manage_views.member_remove, name="member_remove"),
    path("<slug:slug>/manage/", manage_views.manage, name="manage"),
    path("<slug:slug>/edit/", manage_views.edit, name="edit"),
    path("<slug:slug>/invites/link/", manage_views.invite_link, name="invite_link"),
    path("<slug:slug>/invites/email/", manage_views.invite_email, name="invite_email"),
    path("<slug:slug>/invites/<int:invite_id>/revoke/", manage_views.invite_revoke, name="invite_revoke"),
    path("<slug:slug>/invites/<int:invite_id>/resend/", manage_views.invite_resend, name="invite_resend"),
    path("<slug:slug>/transfer/", manage_views.transfer, name="transfer"),
    path("<slug:slug>/archive/", manage_views.archive, name="archive"),
    path("<slug:slug>/delete/", manage_views.delete, name="delete"),
]
