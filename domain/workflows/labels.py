"""What residents and staff read for a case's state and for each step of its workflow.

One table for every definition in ``definitions/``: a state means the same in each workflow that
has it (``approved`` is 已批准 in the standard one and in medical aid). Both tables are checked
against the loaded definitions when this module is imported, so a definition that adds a state or a
step without a name here stops the start-up instead of showing ``district_review`` to a resident.
"""

from __future__ import annotations

from domain.shared.i18n import _
from domain.shared.labels import LabelTable
from domain.workflows.engine import DEFINITIONS

state = LabelTable(
    "workflow states",
    {
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "accepted": _("Accepted"),
        "not_accepted": _("Not accepted"),
        "supplement_requested": _("Needs more information"),
        "resubmitted": _("Supplement sent"),
        "under_review": _("Under review"),
        "approved": _("Approved"),
        "denied": _("Denied"),
        "appealed": _("Appealed"),
        "appeal_dismissed": _("Appeal dismissed"),
        "delivered": _("Delivered"),
        "closed": _("Case closed"),
        "withdrawn": _("Withdrawn"),
        # Medical aid (seed 000): the township's investigation, two public notices, the district.
        "household_investigation": _("Household investigation"),
        "township_review": _("Township review"),
        "public_notice_1": _("First public notice"),
        "democratic_appraisal": _("Democratic appraisal"),
        "district_review": _("District review"),
        "public_notice_2": _("Public notice of the proposed approval"),
        "reinvestigation": _("Investigated again"),
        "payment_requested": _("Aid payment requested"),
        "disbursed": _("Aid paid out"),
    },
    (s for w in DEFINITIONS.values() for s in w.states),
)

step = LabelTable(
    "workflow steps",
    {
        "submit": _("Submit"),
        "accept": _("Accept"),
        "not_accept": _("Do not accept"),
        "request_supplement": _("Ask for more information"),
        "resubmit": _("Send the supplement"),
        "review": _("Start the review"),
        "approve": _("Approve"),
        "deny": _("Deny"),
        "deliver": _("Deliver"),
        "deliver_electronically": _("Deliver electronically"),
        "close": _("Close the case"),
        "withdraw": _("Withdraw"),
        "appeal": _("Appeal"),
        "uphold_appeal": _("Uphold the appeal"),
        "dismiss_appeal": _("Dismiss the appeal"),
        "close_denied": _("Close the denied case"),
        "instant_approve": _("Approve instantly"),
        "forward_on_file": _("Forward on file"),
        "investigate": _("Investigate the household"),
        "finish_investigation": _("Finish the investigation"),
        "post_first_notice": _("Post the first public notice"),
        "township_deny": _("Deny at the township"),
        "forward_to_district": _("Forward to the district"),
        "object_to_first_notice": _("Record an objection to the first notice"),
        "appraise_eligible": _("Appraised eligible"),
        "appraise_ineligible": _("Appraised ineligible"),
        "propose_approval": _("Propose approval"),
        "object_to_second_notice": _("Record an objection to the second notice"),
        "repropose": _("Propose approval again"),
        "deny_after_reinvestigation": _("Deny after investigating again"),
        "request_funds": _("Request the aid payment"),
        "disburse": _("Pay out the aid"),
    },
    (t for w in DEFINITIONS.values() for t in w.transitions),
)

# Who took a step, as the case's timeline says it (``TransitionOut.by``).
actor = LabelTable(
    "step actors", {"applicant": _("Applicant"), "staff": _("Staff"), "system": _("Automatic")}
)
