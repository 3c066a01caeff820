"""SMS that tell an account holder something happened to their identity: someone tried to
register with their mobile, national ID or email, their password was reset, or the state
cell released a national ID.

They go at once (never held for quiet hours), in the holder's language, to the mobile the
holder proved; the texts sit here, as the one-time codes' sit beside them.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain.identity import Citizen, CitizenStatus
from chalicelib.models import citizens
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification

_TEXTS: dict[str, dict[str, str]] = {
    "registration_attempted": {
        "en": "citizen-crm: someone tried to register a new account with this mobile number. If it was you, "
        "you already have an account: log in or reset your password. If not, no action is needed.",
        "hi": "citizen-crm: किसी ने इस मोबाइल नंबर से नया खाता बनाने का प्रयास किया। यदि यह आप थे, तो आपका "
        "खाता पहले से है: लॉग इन करें या पासवर्ड रीसेट करें। यदि नहीं, तो कुछ करने की आवश्यकता नहीं है।",
    },
    "registration_contested": {
        "en": "citizen-crm: two different registrations were started with this mobile number, so both were "
        "cancelled and no code is valid. If you are registering, start again; never share a code with anyone.",
        "hi": "citizen-crm: इस मोबाइल नंबर से दो अलग-अलग पंजीकरण शुरू किए गए, इसलिए दोनों रद्द कर दिए गए और "
        "कोई कोड मान्य नहीं है। यदि आप पंजीकरण कर रहे हैं, तो फिर से शुरू करें; कोड किसी से साझा न करें।",
    },
    "identity_claimed_elsewhere": {
        "en": "citizen-crm: someone tried to register your national ID, mobile or email on another account. "
        "Your account is unchanged. If you did not expect this, contact the state grievance cell.",
        "hi": "citizen-crm: किसी ने आपकी राष्ट्रीय पहचान संख्या, मोबाइल या ईमेल को दूसरे खाते पर पंजीकृत करने का "
        "प्रयास किया। आपका खाता अपरिवर्तित है। यदि यह अपेक्षित नहीं था, तो राज्य शिकायत प्रकोष्ठ से संपर्क करें।",
    },
    "password_reset": {
        "en": "citizen-crm: the password of your account was reset with a code sent to this mobile, and every "
        "login was ended. If it was not you, reset it again at once and contact the state grievance cell.",
        "hi": "citizen-crm: इस मोबाइल पर भेजे गए कोड से आपके खाते का पासवर्ड रीसेट किया गया और सभी लॉगिन समाप्त "
        "कर दिए गए। यदि यह आपने नहीं किया, तो तुरंत फिर से रीसेट करें और राज्य शिकायत प्रकोष्ठ से संपर्क करें।",
    },
    "national_id_released": {
        "en": "citizen-crm: after checking documents, the state grievance cell removed the national ID "
        "{national_id} from your account. Your grievances and applications are kept. To contest this, "
        "contact the state grievance cell.",
        "hi": "citizen-crm: दस्तावेज़ों की जाँच के बाद राज्य शिकायत प्रकोष्ठ ने आपके खाते से राष्ट्रीय पहचान "
        "संख्या {national_id} हटा दी है। आपकी शिकायतें और आवेदन सुरक्षित हैं। आपत्ति के लिए राज्य शिकायत "
        "प्रकोष्ठ से संपर्क करें।",
    },
}


def tell_citizen(citizen: Citizen, notice: str, **values: str) -> None:
    """Send `notice` by SMS to `citizen`'s mobile (proved, or being registered), in their language."""
    if not citizen.mobile:
        return
    texts = _TEXTS[notice]
    text = texts.get(citizen.language, texts["en"]).format(**values)
    enqueue_notification(OutboundMessage(channel="sms", to=citizen.mobile, text=text, subject=citizen.citizen_id))


def tell_holders(citizen_ids: Iterable[str], notice: str) -> None:
    """Send `notice` to each active account among `citizen_ids`."""
    for citizen_id in dict.fromkeys(citizen_ids):
        holder = citizens.get_citizen(citizen_id)
        if holder is not None and holder.status is CitizenStatus.ACTIVE:
            tell_citizen(holder, notice)
