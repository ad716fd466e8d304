"""Refusals of the two aid calculators. Each code is stable: the staff console switches on it.

The ones that are about one input field are also ValueErrors, so that a pydantic validator may
raise them and the field keeps the domain's code (see ``api._kit.field_errors``).
"""

from __future__ import annotations

from domain.shared.errors import DomainError, ErrorKind
from domain.shared.i18n import _


class AidInputInvalid(DomainError, ValueError):
    """Base of the calculators' refusals: the figures given cannot be computed with."""

    code = "aid_input_invalid"
    kind = ErrorKind.INVALID
    message = _("These figures cannot be used for an aid calculation.")


# -- medical aid (seed 000, 清新府办〔2018〕16号) ------------------------------------------------------


class AidPoolingNotAllowed(AidInputInvalid):
    """Arts. 10 and 11: pooling needs two or more co-resident members in hospital.

    details: ``inpatients``, how many members given have counted inpatient costs.
    """

    code = "aid_pooling_needs_two_inpatients"
    message = _("Family pooling needs at least two co-resident family members treated in hospital.")


class AidDeductionsNotApplicable(AidInputInvalid):
    """Art. 10: only category (四)/(五) claims deduct the insurance thresholds and class B drugs."""

    code = "aid_deductions_not_applicable"
    message = _("Deductions apply only to illness-caused poverty and other special cases.")


class AidPaidExceedsCap(AidInputInvalid):
    """The aid already paid this year is above the yearly cap: the figures are wrong somewhere.

    details: ``field``, ``cap_fen``.
    """

    code = "aid_paid_exceeds_cap"
    message = _("The aid already paid this year is more than the yearly cap allows.")


# -- rehabilitation aid (seed 001, 汕府办〔2019〕21号) -------------------------------------------------


class RehabilitationAgeExceeded(AidInputInvalid):
    """Art. 5: 7 or older on 31 August of the application year. details: ``age``, ``limit``, ``on``."""

    code = "rehabilitation_age_exceeded"
    message = _("The child is too old for rehabilitation aid on 31 August of the application year.")


class RehabilitationAgeTooYoung(AidInputInvalid):
    """Art. 8(1)1: cochlear implants are for children aged 1 to 6. details: ``age``, ``minimum``."""

    code = "rehabilitation_age_too_young"
    message = _("The child is too young for this aid item.")


class RehabilitationItemNotForDisability(AidInputInvalid):
    """details: ``item``, ``disability_type``, ``allowed``."""

    code = "rehabilitation_item_not_for_disability"
    message = _("This aid item is not for this type of disability.")


class RehabilitationPartTimeNotEligible(AidInputInvalid):
    code = "rehabilitation_part_time_not_eligible"
    message = _(
        "Part-time training is for children under 3 or in an ordinary kindergarten or primary school."
    )


class RehabilitationCourseTooSoon(AidInputInvalid):
    """Art. 8(3)1: some courses are paid once every 3 or 5 years. details: ``years``, ``next_on``."""

    code = "rehabilitation_course_too_soon"
    message = _("This course was already subsidised within its waiting period.")


class RehabilitationMonthsRequired(AidInputInvalid):
    code = "rehabilitation_months_required"
    message = _("Give the number of months of training.")


class RehabilitationMonthsExceeded(AidInputInvalid):
    """Art. 8(3): at most 10 months a year. details: ``months``, ``already``, ``limit``."""

    code = "rehabilitation_months_exceeded"
    message = _("At most 10 months of training a year are subsidised.")


class RehabilitationSelfPayRequired(AidInputInvalid):
    code = "rehabilitation_self_pay_required"
    message = _("Give what the family paid after medical insurance.")


class RehabilitationStandardExternal(AidInputInvalid):
    """Art. 8(2): assistive devices follow 粤残联〔2018〕6号, whose amounts the seed does not give."""

    code = "rehabilitation_standard_external"
    message = _("Assistive devices are subsidised by a separate provincial standard not held here.")


class AidExpenseFlagUnknown(AidInputInvalid):
    """An expense names a cause that is neither an exclusion nor one of its exceptions."""

    code = "aid_expense_flag_unknown"
    message = _("This is not one of the known causes of medical costs.")


class ChildIdNumberInvalid(AidInputInvalid):
    """The identity module's ``id_number_invalid``, as a field error of a calculator's body."""

    code = "id_number_invalid"
    message = _("This is not a valid resident ID number.")
