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

NOTICE_TEXTS: dict[str, dict[str, str]] = {
    "registration_attempted": {
        "en": "citizen-crm: someone tried to register a new account with this mobile number. If it was you, "
        "you already have an account: log in or reset your password. If not, no action is needed.",
        "hi": "citizen-crm: किसी ने इस मोबाइल नंबर से नया खाता बनाने का प्रयास किया। यदि यह आप थे, तो आपका "
        "खाता पहले से है: लॉग इन करें या पासवर्ड रीसेट करें। यदि नहीं, तो कुछ करने की आवश्यकता नहीं है।",
        "or": "citizen-crm: କେହି ଏହି ମୋବାଇଲ ନମ୍ବରରେ ନୂଆ ଖାତା ଖୋଲିବାକୁ ଚେଷ୍ଟା କଲେ। ଯଦି ଏହା ଆପଣ, ତେବେ ଆପଣଙ୍କର "
        "ଖାତା ଆଗରୁ ଅଛି: ଲଗ୍ ଇନ୍ କରନ୍ତୁ କିମ୍ବା ପାସୱାର୍ଡ ରିସେଟ୍ କରନ୍ତୁ। ଯଦି ନୁହେଁ, କିଛି କରିବା ଦରକାର ନାହିଁ।",
        "pa": "citizen-crm: ਕਿਸੇ ਨੇ ਇਸ ਮੋਬਾਈਲ ਨੰਬਰ ਨਾਲ ਨਵਾਂ ਖਾਤਾ ਬਣਾਉਣ ਦੀ ਕੋਸ਼ਿਸ਼ ਕੀਤੀ। ਜੇ ਇਹ ਤੁਸੀਂ ਸੀ, ਤਾਂ ਤੁਹਾਡਾ "
        "ਖਾਤਾ ਪਹਿਲਾਂ ਹੀ ਹੈ: ਲੌਗ ਇਨ ਕਰੋ ਜਾਂ ਪਾਸਵਰਡ ਰੀਸੈੱਟ ਕਰੋ। ਜੇ ਨਹੀਂ, ਤਾਂ ਕੁਝ ਕਰਨ ਦੀ ਲੋੜ ਨਹੀਂ।",
    },
    "registration_contested": {
        "en": "citizen-crm: two different registrations were started with this mobile number, so both were "
        "cancelled and no code is valid. If you are registering, start again; never share a code with anyone.",
        "hi": "citizen-crm: इस मोबाइल नंबर से दो अलग-अलग पंजीकरण शुरू किए गए, इसलिए दोनों रद्द कर दिए गए और "
        "कोई कोड मान्य नहीं है। यदि आप पंजीकरण कर रहे हैं, तो फिर से शुरू करें; कोड किसी से साझा न करें।",
        "or": "citizen-crm: ଏହି ମୋବାଇଲ ନମ୍ବରରେ ଦୁଇଟି ଅଲଗା ପଞ୍ଜୀକରଣ ଆରମ୍ଭ ହେଲା, ତେଣୁ ଦୁଇଟିଯାକ ବାତିଲ ହେଲା ଏବଂ "
        "କୌଣସି କୋଡ୍ ବୈଧ ନୁହେଁ। ଯଦି ଆପଣ ପଞ୍ଜୀକରଣ କରୁଛନ୍ତି, ପୁଣି ଆରମ୍ଭ କରନ୍ତୁ; କୋଡ୍ କାହା ସହ ସେୟାର କରନ୍ତୁ ନାହିଁ।",
        "pa": "citizen-crm: ਇਸ ਮੋਬਾਈਲ ਨੰਬਰ ਨਾਲ ਦੋ ਵੱਖ-ਵੱਖ ਰਜਿਸਟ੍ਰੇਸ਼ਨਾਂ ਸ਼ੁਰੂ ਕੀਤੀਆਂ ਗਈਆਂ, ਇਸ ਲਈ ਦੋਵੇਂ ਰੱਦ ਕਰ ਦਿੱਤੀਆਂ "
        "ਗਈਆਂ ਅਤੇ ਕੋਈ ਕੋਡ ਵੈਧ ਨਹੀਂ। ਜੇ ਤੁਸੀਂ ਰਜਿਸਟਰ ਕਰ ਰਹੇ ਹੋ, ਤਾਂ ਦੁਬਾਰਾ ਸ਼ੁਰੂ ਕਰੋ; ਕੋਡ ਕਿਸੇ ਨਾਲ ਸਾਂਝਾ ਨਾ ਕਰੋ।",
    },
    "identity_claimed_elsewhere": {
        "en": "citizen-crm: someone tried to register your national ID, mobile or email on another account. "
        "Your account is unchanged. If you did not expect this, contact the state grievance cell.",
        "hi": "citizen-crm: किसी ने आपकी राष्ट्रीय पहचान संख्या, मोबाइल या ईमेल को दूसरे खाते पर पंजीकृत करने का "
        "प्रयास किया। आपका खाता अपरिवर्तित है। यदि यह अपेक्षित नहीं था, तो राज्य शिकायत प्रकोष्ठ से संपर्क करें।",
        "or": "citizen-crm: କେହି ଆପଣଙ୍କ ଜାତୀୟ ପରିଚୟ ସଂଖ୍ୟା, ମୋବାଇଲ କିମ୍ବା ଇମେଲକୁ ଅନ୍ୟ ଏକ ଖାତାରେ ପଞ୍ଜୀକୃତ କରିବାକୁ "
        "ଚେଷ୍ଟା କଲେ। ଆପଣଙ୍କ ଖାତା ଅପରିବର୍ତ୍ତିତ। ଯଦି ଏହା ଆଶା କରିନଥିଲେ, ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ୍ ସହ ଯୋଗାଯୋଗ କରନ୍ତୁ।",
        "pa": "citizen-crm: ਕਿਸੇ ਨੇ ਤੁਹਾਡੀ ਰਾਸ਼ਟਰੀ ਪਛਾਣ ਸੰਖਿਆ, ਮੋਬਾਈਲ ਜਾਂ ਈਮੇਲ ਨੂੰ ਕਿਸੇ ਹੋਰ ਖਾਤੇ ਉੱਤੇ ਰਜਿਸਟਰ ਕਰਨ ਦੀ "
        "ਕੋਸ਼ਿਸ਼ ਕੀਤੀ। ਤੁਹਾਡਾ ਖਾਤਾ ਨਹੀਂ ਬਦਲਿਆ। ਜੇ ਇਹ ਉਮੀਦ ਨਹੀਂ ਸੀ, ਤਾਂ ਰਾਜ ਸ਼ਿਕਾਇਤ ਸੈੱਲ ਨਾਲ ਸੰਪਰਕ ਕਰੋ।",
    },
    "password_reset": {
        "en": "citizen-crm: the password of your account was reset with a code sent to this mobile, and every "
        "login was ended. If it was not you, reset it again at once and contact the state grievance cell.",
        "hi": "citizen-crm: इस मोबाइल पर भेजे गए कोड से आपके खाते का पासवर्ड रीसेट किया गया और सभी लॉगिन समाप्त "
        "कर दिए गए। यदि यह आपने नहीं किया, तो तुरंत फिर से रीसेट करें और राज्य शिकायत प्रकोष्ठ से संपर्क करें।",
        "or": "citizen-crm: ଏହି ମୋବାଇଲକୁ ପଠାଯାଇଥିବା କୋଡ୍ ଦ୍ୱାରା ଆପଣଙ୍କ ଖାତାର ପାସୱାର୍ଡ ରିସେଟ୍ ହେଲା ଏବଂ ସମସ୍ତ ଲଗ୍ ଇନ୍ "
        "ଶେଷ କରାଗଲା। ଯଦି ଏହା ଆପଣ କରିନାହାନ୍ତି, ତୁରନ୍ତ ପୁଣି ରିସେଟ୍ କରନ୍ତୁ ଏବଂ ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ୍ ସହ ଯୋଗାଯୋଗ କରନ୍ତୁ।",
        "pa": "citizen-crm: ਇਸ ਮੋਬਾਈਲ ਉੱਤੇ ਭੇਜੇ ਕੋਡ ਨਾਲ ਤੁਹਾਡੇ ਖਾਤੇ ਦਾ ਪਾਸਵਰਡ ਰੀਸੈੱਟ ਕੀਤਾ ਗਿਆ ਅਤੇ ਸਾਰੇ ਲੌਗਇਨ ਖ਼ਤਮ "
        "ਕਰ ਦਿੱਤੇ ਗਏ। ਜੇ ਇਹ ਤੁਸੀਂ ਨਹੀਂ ਕੀਤਾ, ਤਾਂ ਤੁਰੰਤ ਦੁਬਾਰਾ ਰੀਸੈੱਟ ਕਰੋ ਅਤੇ ਰਾਜ ਸ਼ਿਕਾਇਤ ਸੈੱਲ ਨਾਲ ਸੰਪਰਕ ਕਰੋ।",
    },
    "national_id_released": {
        "en": "citizen-crm: after checking documents, the state grievance cell removed the national ID "
        "{national_id} from your account. Your grievances and applications are kept. To contest this, "
        "contact the state grievance cell.",
        "hi": "citizen-crm: दस्तावेज़ों की जाँच के बाद राज्य शिकायत प्रकोष्ठ ने आपके खाते से राष्ट्रीय पहचान "
        "संख्या {national_id} हटा दी है। आपकी शिकायतें और आवेदन सुरक्षित हैं। आपत्ति के लिए राज्य शिकायत "
        "प्रकोष्ठ से संपर्क करें।",
        "or": "citizen-crm: ଦସ୍ତାବିଜ ଯାଞ୍ଚ ପରେ ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ୍ ଆପଣଙ୍କ ଖାତାରୁ ଜାତୀୟ ପରିଚୟ ସଂଖ୍ୟା {national_id} "
        "ହଟାଇଛନ୍ତି। ଆପଣଙ୍କ ଅଭିଯୋଗ ଏବଂ ଆବେଦନ ସୁରକ୍ଷିତ ଅଛି। ଆପତ୍ତି ପାଇଁ ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ୍ ସହ ଯୋଗାଯୋଗ କରନ୍ତୁ।",
        "pa": "citizen-crm: ਦਸਤਾਵੇਜ਼ਾਂ ਦੀ ਜਾਂਚ ਤੋਂ ਬਾਅਦ ਰਾਜ ਸ਼ਿਕਾਇਤ ਸੈੱਲ ਨੇ ਤੁਹਾਡੇ ਖਾਤੇ ਵਿੱਚੋਂ ਰਾਸ਼ਟਰੀ ਪਛਾਣ ਸੰਖਿਆ "
        "{national_id} ਹਟਾ ਦਿੱਤੀ ਹੈ। ਤੁਹਾਡੀਆਂ ਸ਼ਿਕਾਇਤਾਂ ਅਤੇ ਅਰਜ਼ੀਆਂ ਸੁਰੱਖਿਅਤ ਹਨ। ਇਤਰਾਜ਼ ਲਈ ਰਾਜ ਸ਼ਿਕਾਇਤ ਸੈੱਲ ਨਾਲ "
        "ਸੰਪਰਕ ਕਰੋ।",
    },
}


def tell_citizen(citizen: Citizen, notice: str, **values: str) -> None:
    """Send `notice` by SMS to `citizen`'s mobile (proved, or being registered), in their language."""
    if not citizen.mobile:
        return
    texts = NOTICE_TEXTS[notice]
    text = texts.get(citizen.language, texts["en"]).format(**values)
    enqueue_notification(OutboundMessage(channel="sms", to=citizen.mobile, text=text, subject=citizen.citizen_id))


def tell_holders(citizen_ids: Iterable[str], notice: str) -> None:
    """Send `notice` to each active account among `citizen_ids`."""
    for citizen_id in dict.fromkeys(citizen_ids):
        holder = citizens.get_citizen(citizen_id)
        if holder is not None and holder.status is CitizenStatus.ACTIVE:
            tell_citizen(holder, notice)
