"""Account forms; the rules themselves live in the domain and the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import choices
from app.i18n import CHINESE, ENGLISH


class SignUpForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=100)], render_kw={"autocomplete": "name"}
    )
    login = StringField(
        _l("Mobile number or email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email"},
        description=_l("An 11-digit mainland mobile number, or an email address."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Sign up"))


class SignInForm(FlaskForm):
    login = StringField(
        _l("Mobile number or email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class SettingsForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=100)], render_kw={"autocomplete": "name"}
    )
    locale = SelectField(
        _l("Language"),
        choices=choices([("", _l("As my browser asks")), (CHINESE, "简体中文"), (ENGLISH, "English")]),
        validate_choice=True,
    )
    submit = SubmitField(_l("Save"))


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


class SignOutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))
