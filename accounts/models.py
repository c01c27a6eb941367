"""The one user model: people log in with their e-mail address."""

import functools
import unicodedata

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.utils.functional import cached_property

from common.db import loaded_value, prepared_cursor


def normalise_email(value: str) -> str:
    """One spelling per address: Unicode-normalised (NFKC), trimmed and case-folded.

    Accounts are stored, found and rate-limited under this form, so "Ana@x.com",
    " ANA@X.COM " and a full-width "Ａna@x.com" are one person.
    """
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_without_email(self, **extra_fields):
        """A client the clinic registered from a phone call, who gave no e-mail address.

        She cannot log in (no address, no password) until the clinic adds her address and
        she sets a password from the invitation; until then the clinic reaches her by phone.
        """
        user = self.model(email=None, **extra_fields)
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=normalise_email(username))

    def with_role(self):
        """Users with what their role is worked out from, in the same query as the user.

        A logged-in page used to spend two more queries on it (is she a clinic's admin? a
        therapist?) before doing anything else.
        """
        clinic_admins = self.model.administered_clinics.through.objects.filter(
            user=models.OuterRef("pk")
        )
        return self.select_related("therapist").annotate(
            administers_a_clinic=models.Exists(clinic_admins)
        )

    def get_with_role(self, pk) -> "User | None":
        """The user ``with_role()`` loads, for the authentication backend on every request.

        The same one query, written out once per process instead of compiled by the ORM on
        each request: compiling ``with_role()`` cost four times running it (about 4.4 M
        against 0.9 M instructions a call), the largest part of a logged-in page's fixed cost.
        The user and her therapist row (if any) are built as ``select_related`` builds them.
        """
        try:
            pk = self.model._meta.pk.to_python(pk)
        except ValidationError:
            return None
        query = role_query(self.model)
        connection = connections[self.db]
        with prepared_cursor(self.db) as cursor:
            cursor.execute(query.sql, [pk])
            row = cursor.fetchone()
        return None if row is None else query.build(row, self.db, connection)


class RoleQuery:
    """The SQL of ``UserManager.with_role()`` for one user, and how to build its row."""

    def __init__(self, user_model) -> None:
        self.user_model = user_model
        self.therapist_rel = user_model._meta.get_field("therapist")
        self.therapist_model = self.therapist_rel.related_model
        self.user_fields = user_model._meta.concrete_fields
        self.therapist_fields = self.therapist_model._meta.concrete_fields
        self.sql = self._sql()

    def _sql(self) -> str:
        quote = connections["default"].ops.quote_name
        through = self.user_model._meta.get_field("administered_clinics").through._meta
        admin_column = next(f.column for f in through.fields if f.related_model is self.user_model)
        user_pk = f"u.{quote(self.user_model._meta.pk.column)}"
        columns = [f"u.{quote(f.column)}" for f in self.user_fields]
        columns += [f"t.{quote(f.column)}" for f in self.therapist_fields]
        return (
            f"SELECT {', '.join(columns)}, EXISTS (SELECT 1 FROM {quote(through.db_table)} a "
            f"WHERE a.{quote(admin_column)} = {user_pk}) "
            f"FROM {quote(self.user_model._meta.db_table)} u "
            f"LEFT OUTER JOIN {quote(self.therapist_model._meta.db_table)} t "
            f"ON t.{quote(self.therapist_rel.field.column)} = {user_pk} "
            f"WHERE {user_pk} = %s"
        )

    @staticmethod
    def _from_db(model, fields, values, db, connection):
        converted = [
            loaded_value(field, value, connection)
            for field, value in zip(fields, values, strict=True)
        ]
        return model.from_db(db, [field.attname for field in fields], converted)

    def build(self, row, db, connection):
        size = len(self.user_fields)
        user = self._from_db(self.user_model, self.user_fields, row[:size], db, connection)
        user.administers_a_clinic = row[-1]
        therapist_values = row[size:-1]
        therapist = None
        if therapist_values[0] is not None:
            therapist = self._from_db(
                self.therapist_model, self.therapist_fields, therapist_values, db, connection
            )
            self.therapist_rel.field.set_cached_value(therapist, user)
        # What select_related("therapist") leaves: user.therapist answered without a query,
        # or RelatedObjectDoesNotExist when she is not a therapist.
        self.therapist_rel.set_cached_value(user, therapist)
        return user


@functools.cache
def role_query(user_model) -> RoleQuery:
    return RoleQuery(user_model)


class User(AbstractUser):
    """A person using Bolster: an expectant mother, a therapist or a clinic admin.

    The role is not stored on the user: it follows from what she is attached to
    (a ``clinics.Therapist`` row, a clinic's admins), so it can never disagree with it.
    """

    class Role(models.TextChoices):
        CLIENT = "client", "Client"
        THERAPIST = "therapist", "Therapist"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"
        OPERATOR = "operator", "Operator"

    username = None
    # Empty only for a caller registered at the front desk without one (see
    # ``create_without_email``): every account that can log in has an address.
    email = models.EmailField("e-mail address", unique=True, null=True, blank=True)
    same_day_reminders = models.BooleanField(
        "remind me on the day too",
        default=True,
        help_text="A short reminder a couple of hours before each session.",
    )

    # How her messages reach her (the outbox writes one row per channel chosen); SMS only
    # with her recorded consent, and off again the moment she texts STOP.
    class MessageChannels(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"
        BOTH = "both", "E-mail and text message"

    message_channels = models.CharField(
        max_length=5, choices=MessageChannels.choices, default=MessageChannels.EMAIL
    )
    sms_opted_in_at = models.DateTimeField(null=True, blank=True)
    sms_opt_in_via = models.CharField(
        max_length=40, blank=True, help_text='How she agreed to texts, e.g. "reminders page".'
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email or f"User {self.pk}"

    @property
    def channels(self) -> list[str]:
        """The outbox channels her own messages go out on."""
        if self.message_channels == self.MessageChannels.BOTH:
            return ["email", "sms"]
        return [self.message_channels]

    @cached_property
    def role(self) -> str:
        # Loaded with the user by ``UserManager.with_role`` on every request: no query here.
        administers = getattr(self, "administers_a_clinic", None)
        if administers is None:
            administers = self.administered_clinics.exists()
        if administers:
            return self.Role.CLINIC_ADMIN
        if hasattr(self, "therapist"):
            return self.Role.THERAPIST
        if self.is_superuser:
            return self.Role.OPERATOR
        return self.Role.CLIENT

    @property
    def is_client(self) -> bool:
        return self.role == self.Role.CLIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == self.Role.CLINIC_ADMIN
