"""The answers the web front door's tests give its referral forms, as
config/samples/ has them (dates relative to today, so that they are never
in the future nor too old), and the mistakes made first."""
import datetime

TODAY = datetime.date.today()
CONSENT_DATE = (TODAY - datetime.timedelta(days=2)).isoformat()
DISCHARGE_DATE = (TODAY + datetime.timedelta(days=5)).isoformat()
ID_PREFIX = {"gp": "GP", "discharge": "HD", "school": "SC"}

# The answers, as config/samples/ has them, and per form the mistakes
# made first: each key's wrong value (None: left empty) and the key's
# corrected value; the keys are the inputs the error summary must name.
ANSWERS = {
    "gp": {
        "carer.given_name": "Jane", "carer.family_name": "Smith",
        "carer.date_of_birth": "1961-04-02", "carer.postcode": "CM2 0AA",
        "carer.address": "1 High Street, Chelmsford", "carer.phone": "07700 900123",
        "carer.email": "jane@example.org", "carer.preferred_contact": "phone",
        "carer.language": "English", "carer.nhs_number": "943 476 5919",
        "cared_for.relationship": "mother", "cared_for.conditions": ["dementia", "frailty"],
        "consent.share_with_support_service": "true", "consent.given_by": "carer",
        "consent.date": CONSENT_DATE, "record_carer_on_gp_record": "true",
        "referrer.name": "A Patel", "referrer.phone": "01245 000000",
        "referrer.email": "a.patel@nhs.net",
        # Issue 22's questions: a second person, the caring, its impact,
        # the requests, and the equality questions with the agreement.
        "cared_for[2].relationship": "father", "cared_for[2].conditions": ["physical_disability"],
        "caring.hours_per_week": "50_or_more", "caring.years": "8", "caring.lives_with": "true",
        "caring.able_to_continue": "not_sure", "impact.work": "at_risk",
        "impact.own_health": "yes", "requests.carers_assessment": ["true"],
        "requests.council_knows": "not_sure", "requests.benefits_check": ["true"],
        "consent.equality_monitoring": ["true"], "equality.sex": "female",
        "equality.age_band": "65_to_74", "equality.ethnicity": "prefer_not_to_say",
        "equality.disability": "no",
    },
    "discharge": {
        "hospital.site": "RAJ01", "hospital.ward": "Acute Medical Unit",
        "patient.nhs_number": "4010232145", "patient.expected_discharge": DISCHARGE_DATE,
        "cared_for.relationship": "husband",
        "cared_for.conditions": ["physical_disability", "other"],
        "carer.given_name": "Grace", "carer.family_name": "O'Neill",
        "carer.date_of_birth": "1958-12-12", "carer.postcode": "CO15 1AA",
        "carer.phone": "07700 900321", "carer_consulted": "false",
        "consent.share_with_support_service": "true", "consent.given_by": "carer",
        "consent.date": CONSENT_DATE, "referrer.name": "M Ali",
        "referrer.email": "m.ali@nhs.net",
    },
    "school": {
        "safeguarding_referral_made": "false", "school.year_group": "9",
        "carer.given_name": "Sam", "carer.family_name": "Khan",
        "carer.date_of_birth": "2012-05-10", "carer.postcode": "CM2 9AA",
        "carer.address": "5 Park Road, Chelmsford", "carer.preferred_contact": "post",
        "cared_for.relationship": "mother", "cared_for.conditions": ["mental_health"],
        "consent.share_with_support_service": "true", "consent.given_by": "parent",
        "consent.date": CONSENT_DATE, "referrer.name": "J Taylor, young carers lead",
        "referrer.email": "j.taylor@school.example.org",
    },
}
MISTAKES = {
    # Missing consent, an NHS number whose check digit is wrong, a
    # postcode with half its inward code, and the equality questions
    # answered without the box saying the carer agreed to them.
    "gp": {"consent.share_with_support_service": None, "carer.nhs_number": "943 476 5918",
           "carer.postcode": "CM2 0A", "consent.equality_monitoring": None},
    "discharge": {"hospital.ward": None, "patient.nhs_number": "401 023 2146"},
    "school": {"school.year_group": None, "consent.given_by": None},
}
