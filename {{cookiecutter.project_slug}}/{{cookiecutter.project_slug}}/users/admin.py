from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
{% if cookiecutter.login_field == "email" %}
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import User


# The "type: ignore" comments: these classes are generic only in django-stubs, not at run time.
class EmailUserCreationForm(AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):  # type: ignore[type-arg]
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class EmailUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, with the e-mail address in place of the username."""

    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
{% else %}

from .models import User

admin.site.register(User, UserAdmin)
{% endif %}
