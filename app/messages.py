"""Human words, in the request's language, for the stable codes the domain raises."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES = {
    "invalid": _l("This value is not valid."),
    "invalid_phone": _l("Enter an 11-digit mainland mobile number (starting 13–19) or an email address."),
    "invalid_email": _l("This email address is not valid."),
    "login_taken": _l("An account with this phone number or email already exists."),
    "name_required": _l("Enter a name."),
    "password_too_short": _l("Use at least 8 characters."),
    "password_too_long": _l("Use at most 128 characters."),
    "password_too_common": _l("This password is too common and easy to guess; choose another."),
    "password_like_login": _l("The password must not contain your phone number, email or name."),
    "password_unchanged": _l("The new password must differ from the current one."),
    "wrong_password": _l("The current password is not correct."),
    "invalid_code": _l("Use 1–64 letters, digits, '-', '_' or '.', starting with a letter or digit."),
    "reserved_code": _l("This word is reserved by Linli; choose another code."),
    "code_taken": _l("This code is already used by another organisation."),
    "invalid_kind": _l("Choose a valid kind."),
    "unit_type_required": _l("A unit needs a unit type."),
    "unit_type_only_for_units": _l("Only units have a unit type."),
    "invalid_parent": _l("This organisation cannot sit under that parent."),
    "kind_has_children": _l("An organisation with organisations under it cannot change its kind."),
    "invalid_role": _l("Choose member or manager."),
    "invalid_status": _l("Choose a valid status."),
    "not_a_unit": _l("Choose a unit."),
    "not_a_community": _l("Choose a community."),
    "already_registered": _l("This registration already exists."),
    "invalid_owner": _l("Choose an organisation you manage."),
    "capacity_out_of_range": _l("Capacity must be between 1 and 100000."),
    "slot_not_dividing_day": _l("The slot length must divide a day evenly (e.g. 15, 30, 60 or 120 minutes)."),
    "not_multiple_of_slot": _l("Use a whole number of slots, at least one."),
    "max_below_min": _l("The longest booking cannot be shorter than the shortest."),
    "out_of_range": _l("This value is out of range."),
    "value_too_large": _l("This value is too large."),
    "unknown_timezone": _l("Use a time zone name such as Asia/Shanghai."),
    "coordinates_incomplete": _l("Give both latitude and longitude, or neither."),
    "invalid_time": _l("Use a time such as 08:30."),
    "invalid_filter": _l("A filter value is not known."),
    "user_not_found": _l("No user has this phone number or email."),
    "bad_credentials": _l("The login or the password is not correct."),
    "unauthorized": _l("Sign in first: send a valid bearer token."),
    "forbidden": _l("You may not do this."),
    "not_found": _l("Nothing was found here."),
    "method_not_allowed": _l("This method is not allowed here."),
    "rate_limited": _l("Too many attempts. Wait a while and try again."),
    "invalid_json": _l("The request body must be a JSON object."),
    "csrf_failed": _l("The form expired or was sent from elsewhere. Reload the page and try again."),
    "server_error": _l("Something went wrong on our side. It has been logged; please try again later."),
    "too_large": _l("The upload is too large."),
    "unsupported_image": _l("This file is not a photo Linli can use. Upload a JPEG, PNG or WebP image."),
    "image_too_large": _l("This photo is too large. Upload a smaller one."),
    "too_many_photos": _l("This resource has the most photos it may have. Remove one to add another."),
    "caption_too_long": _l("Use at most 200 characters for the caption."),
    # Access windows and closures, as the directory import file reports them.
    "invalid_days": _l('Use all, workday, restday, or a list of days such as ["mon", "tue"].'),
    "window_end_before_start": _l("The window must end after it starts, at 24:00 at the latest."),
    "max_quantity_above_capacity": _l("The most one booking may take cannot be more than the capacity."),
    "end_before_start": _l("The end must be after the start."),
    "closure_too_long": _l("A closure can last at most 366 days."),
    # The managers' pages for windows and closures.
    "no_weekdays_chosen": _l("Choose at least one day of the week."),
    "price_in_fen": _l("Use at most two decimals: yuan and fen, e.g. 2.50."),
    "unknown_template": _l("This template is not known."),
    "reason_required": _l("Give a reason: people see it on the resource's page."),
    "value_too_long": _l("This text is too long."),
}


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, MESSAGES["invalid"]))
