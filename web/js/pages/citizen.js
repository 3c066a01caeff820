// The citizen's pages: services and applying for one (its form drawn from the service's JSON
// Schema, documents uploaded straight to S3), register → code → log in, forgotten password,
// file a grievance (queued while offline), my grievances and applications with their
// timelines and the moves a citizen makes, and the public tracking page.
import { ApiError, get, post, saveSession, session, uploadDocument, withLanguage } from "../api.js";
import { language, t } from "../i18n.js";
import { el, field, form, say, statusBadge, when } from "../ui.js";

export const STRINGS = {
  en: {
    "home.title": "Services and grievances",
    "home.search": "Search services",
    "home.search.button": "Search",
    "home.file": "File a grievance",
    "home.none": "No service matches.",
    "register.title": "Register",
    "register.name": "Full name",
    "register.national_id": "Aadhaar number",
    "register.mobile": "Mobile number",
    "register.email": "Email (optional)",
    "register.password": "Password (at least 12 characters)",
    "register.address": "Address",
    "register.district": "District",
    "register.pincode": "PIN code",
    "register.submit": "Register",
    "register.sent": "A code was sent to {mobile}.",
    "verify.title": "Enter the code",
    "verify.otp": "Code from the SMS",
    "verify.submit": "Verify",
    "verify.done": "Your mobile is verified. Log in.",
    "login.title": "Log in",
    "login.username": "Mobile number or email",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.forgot": "Forgot your password?",
    "forgot.title": "Reset your password",
    "forgot.send": "Send a code",
    "forgot.new_password": "New password",
    "forgot.submit": "Set the new password",
    "forgot.sent": "If an account holds this mobile, a code is on its way.",
    "forgot.done": "Your password is changed. Log in.",
    "file.title": "File a grievance",
    "file.category": "What is wrong?",
    "file.category.unsure": "Not sure (we will find the department)",
    "file.district": "District",
    "file.ward": "Ward or area (optional)",
    "file.description": "Describe the problem",
    "file.location": "Add my location",
    "file.location.added": "Location added.",
    "file.submit": "File",
    "file.done": "Filed. Your tracking id is {id}.",
    "file.queued": "You are offline: the grievance will be sent when you are back online.",
    "file.sent_later": "Your grievance filed while offline was sent: {id}.",
    "mine.title": "My grievances",
    "mine.none": "You have filed no grievance yet.",
    "mine.due": "Due {when}",
    "detail.title": "Grievance {id}",
    "detail.history": "What happened",
    "detail.reply": "Your answer",
    "detail.reply.submit": "Send the answer",
    "detail.rating": "How satisfied are you? (1 to 5)",
    "detail.feedback.submit": "Rate and close",
    "detail.reason": "Why?",
    "detail.reopen.submit": "Reopen",
    "detail.appeal.submit": "Appeal",
    "detail.done": "Saved.",
    "track.title": "Track a grievance",
    "track.id": "Tracking id",
    "track.last4": "Last 4 digits of the mobile it was filed from",
    "track.submit": "Track",
    "track.filed": "Filed {when}",
    "nav.mine": "My grievances",
    "nav.file": "File a grievance",
    "home.department": "Department",
    "home.department.all": "All departments",
    "service.fee": "Fee: ₹{fee}",
    "service.free": "No fee",
    "service.sla": "Decided within {days} working days",
    "service.eligibility": "Who can apply",
    "service.documents": "Documents to upload",
    "service.optional": "(optional)",
    "service.login": "Log in to apply",
    "apply.title": "Apply",
    "apply.district": "District where it is handled",
    "apply.district.mine": "My district (from my profile)",
    "apply.choose": "Choose",
    "apply.yes": "Yes",
    "apply.no": "No",
    "apply.one_per_line": "For a list, write one item on each line.",
    "upload.empty": "The file is empty.",
    "apply.document": "{name} (PDF, JPEG or PNG)",
    "apply.submit": "Submit the application",
    "apply.done": "Submitted. Your tracking id is {id}.",
    "upload.type": "Upload a PDF, JPEG or PNG file.",
    "upload.size": "The file is too large: at most {mb} MB.",
    "upload.failed": "The file could not be uploaded. Try again.",
    "applications.title": "My applications",
    "applications.none": "You have made no application yet.",
    "application.title": "Application {id}",
    "application.next": "What happens next: {what}",
    "application.documents": "Documents",
    "application.asked": "The officer asks",
    "application.answer": "Your answer",
    "application.answer.submit": "Send the answer",
    "application.status.submitted": "Submitted",
    "application.status.under_verification": "Being checked",
    "application.status.processing": "Being processed",
    "application.status.info_requested": "Waiting for you",
    "application.status.approved": "Approved",
    "application.status.rejected": "Rejected",
    "application.status.completed": "Completed",
    "nav.applications": "My applications",
  },
  hi: {
    "home.title": "सेवाएँ और शिकायतें",
    "home.search": "सेवा खोजें",
    "home.search.button": "खोजें",
    "home.file": "शिकायत दर्ज करें",
    "home.none": "कोई सेवा नहीं मिली।",
    "register.title": "पंजीकरण",
    "register.name": "पूरा नाम",
    "register.national_id": "आधार संख्या",
    "register.mobile": "मोबाइल नंबर",
    "register.email": "ईमेल (वैकल्पिक)",
    "register.password": "पासवर्ड (कम से कम 12 अक्षर)",
    "register.address": "पता",
    "register.district": "ज़िला",
    "register.pincode": "पिन कोड",
    "register.submit": "पंजीकरण करें",
    "register.sent": "{mobile} पर कोड भेजा गया।",
    "verify.title": "कोड दर्ज करें",
    "verify.otp": "SMS में आया कोड",
    "verify.submit": "सत्यापित करें",
    "verify.done": "आपका मोबाइल सत्यापित हो गया। लॉग इन करें।",
    "login.title": "लॉग इन",
    "login.username": "मोबाइल नंबर या ईमेल",
    "login.password": "पासवर्ड",
    "login.submit": "लॉग इन करें",
    "login.forgot": "पासवर्ड भूल गए?",
    "forgot.title": "पासवर्ड बदलें",
    "forgot.send": "कोड भेजें",
    "forgot.new_password": "नया पासवर्ड",
    "forgot.submit": "नया पासवर्ड रखें",
    "forgot.sent": "यदि इस मोबाइल का खाता है, तो कोड भेजा जा रहा है।",
    "forgot.done": "आपका पासवर्ड बदल गया। लॉग इन करें।",
    "file.title": "शिकायत दर्ज करें",
    "file.category": "क्या समस्या है?",
    "file.category.unsure": "पता नहीं (हम विभाग ढूँढेंगे)",
    "file.district": "ज़िला",
    "file.ward": "वार्ड या क्षेत्र (वैकल्पिक)",
    "file.description": "समस्या बताएँ",
    "file.location": "मेरा स्थान जोड़ें",
    "file.location.added": "स्थान जोड़ा गया।",
    "file.submit": "दर्ज करें",
    "file.done": "दर्ज हो गई। आपकी ट्रैकिंग आईडी {id} है।",
    "file.queued": "आप ऑफ़लाइन हैं: ऑनलाइन होते ही शिकायत भेज दी जाएगी।",
    "file.sent_later": "ऑफ़लाइन में दर्ज की गई शिकायत भेज दी गई: {id}।",
    "mine.title": "मेरी शिकायतें",
    "mine.none": "आपने अभी कोई शिकायत दर्ज नहीं की है।",
    "mine.due": "समय-सीमा {when}",
    "detail.title": "शिकायत {id}",
    "detail.history": "क्या हुआ",
    "detail.reply": "आपका उत्तर",
    "detail.reply.submit": "उत्तर भेजें",
    "detail.rating": "आप कितने संतुष्ट हैं? (1 से 5)",
    "detail.feedback.submit": "रेटिंग दें और बंद करें",
    "detail.reason": "क्यों?",
    "detail.reopen.submit": "फिर से खोलें",
    "detail.appeal.submit": "अपील करें",
    "detail.done": "सहेजा गया।",
    "track.title": "शिकायत की स्थिति",
    "track.id": "ट्रैकिंग आईडी",
    "track.last4": "जिस मोबाइल से दर्ज की, उसके अंतिम 4 अंक",
    "track.submit": "देखें",
    "track.filed": "दर्ज {when}",
    "nav.mine": "मेरी शिकायतें",
    "nav.file": "शिकायत दर्ज करें",
    "home.department": "विभाग",
    "home.department.all": "सभी विभाग",
    "service.fee": "शुल्क: ₹{fee}",
    "service.free": "कोई शुल्क नहीं",
    "service.sla": "{days} कार्य दिवसों में निर्णय",
    "service.eligibility": "कौन आवेदन कर सकता है",
    "service.documents": "अपलोड करने के दस्तावेज़",
    "service.optional": "(वैकल्पिक)",
    "service.login": "आवेदन के लिए लॉग इन करें",
    "apply.title": "आवेदन करें",
    "apply.district": "ज़िला जहाँ कार्यवाही होगी",
    "apply.district.mine": "मेरा ज़िला (मेरी प्रोफ़ाइल से)",
    "apply.choose": "चुनें",
    "apply.yes": "हाँ",
    "apply.no": "नहीं",
    "apply.one_per_line": "सूची में हर पंक्ति पर एक प्रविष्टि लिखें।",
    "upload.empty": "फ़ाइल खाली है।",
    "apply.document": "{name} (PDF, JPEG या PNG)",
    "apply.submit": "आवेदन जमा करें",
    "apply.done": "जमा हो गया। आपकी ट्रैकिंग आईडी {id} है।",
    "upload.type": "PDF, JPEG या PNG फ़ाइल अपलोड करें।",
    "upload.size": "फ़ाइल बहुत बड़ी है: अधिकतम {mb} MB।",
    "upload.failed": "फ़ाइल अपलोड नहीं हो सकी। फिर से प्रयास करें।",
    "applications.title": "मेरे आवेदन",
    "applications.none": "आपने अभी कोई आवेदन नहीं किया है।",
    "application.title": "आवेदन {id}",
    "application.next": "आगे क्या होगा: {what}",
    "application.documents": "दस्तावेज़",
    "application.asked": "अधिकारी का अनुरोध",
    "application.answer": "आपका उत्तर",
    "application.answer.submit": "उत्तर भेजें",
    "application.status.submitted": "जमा",
    "application.status.under_verification": "जाँच में",
    "application.status.processing": "प्रक्रिया में",
    "application.status.info_requested": "आपके उत्तर की प्रतीक्षा",
    "application.status.approved": "स्वीकृत",
    "application.status.rejected": "अस्वीकृत",
    "application.status.completed": "पूर्ण",
    "nav.applications": "मेरे आवेदन",
  },
  or: {
    "home.title": "ସେବା ଓ ଅଭିଯୋଗ",
    "home.search": "ସେବା ଖୋଜନ୍ତୁ",
    "home.search.button": "ଖୋଜନ୍ତୁ",
    "home.file": "ଅଭିଯୋଗ ଦାଖଲ କରନ୍ତୁ",
    "home.none": "କୌଣସି ସେବା ମିଳିଲା ନାହିଁ।",
    "register.title": "ପଞ୍ଜୀକରଣ",
    "register.name": "ପୂରା ନାମ",
    "register.national_id": "ଆଧାର ନମ୍ବର",
    "register.mobile": "ମୋବାଇଲ୍ ନମ୍ବର",
    "register.email": "ଇମେଲ୍ (ଇଚ୍ଛାଧୀନ)",
    "register.password": "ପାସୱାର୍ଡ (ଅତି କମରେ 12ଟି ଅକ୍ଷର)",
    "register.address": "ଠିକଣା",
    "register.district": "ଜିଲ୍ଲା",
    "register.pincode": "ପିନ୍ କୋଡ୍",
    "register.submit": "ପଞ୍ଜୀକରଣ କରନ୍ତୁ",
    "register.sent": "{mobile} ନମ୍ବରକୁ ଏକ କୋଡ୍ ପଠାଯାଇଛି।",
    "verify.title": "କୋଡ୍ ଦିଅନ୍ତୁ",
    "verify.otp": "SMSରେ ଆସିଥିବା କୋଡ୍",
    "verify.submit": "ଯାଞ୍ଚ କରନ୍ତୁ",
    "verify.done": "ଆପଣଙ୍କ ମୋବାଇଲ୍ ଯାଞ୍ଚ ହୋଇଗଲା। ଲଗ୍ ଇନ୍ କରନ୍ତୁ।",
    "login.title": "ଲଗ୍ ଇନ୍",
    "login.username": "ମୋବାଇଲ୍ ନମ୍ବର ବା ଇମେଲ୍",
    "login.password": "ପାସୱାର୍ଡ",
    "login.submit": "ଲଗ୍ ଇନ୍ କରନ୍ତୁ",
    "login.forgot": "ପାସୱାର୍ଡ ଭୁଲିଗଲେ?",
    "forgot.title": "ପାସୱାର୍ଡ ରିସେଟ୍ କରନ୍ତୁ",
    "forgot.send": "କୋଡ୍ ପଠାନ୍ତୁ",
    "forgot.new_password": "ନୂଆ ପାସୱାର୍ଡ",
    "forgot.submit": "ନୂଆ ପାସୱାର୍ଡ ସେଟ୍ କରନ୍ତୁ",
    "forgot.sent": "ଯଦି ଏହି ମୋବାଇଲ୍ ନମ୍ବରରେ କୌଣସି ଆକାଉଣ୍ଟ ଅଛି, ତେବେ ଏକ କୋଡ୍ ପଠାଯାଉଛି।",
    "forgot.done": "ଆପଣଙ୍କ ପାସୱାର୍ଡ ବଦଳିଗଲା। ଲଗ୍ ଇନ୍ କରନ୍ତୁ।",
    "file.title": "ଅଭିଯୋଗ ଦାଖଲ କରନ୍ତୁ",
    "file.category": "ସମସ୍ୟା କ'ଣ?",
    "file.category.unsure": "ନିଶ୍ଚିତ ନୁହେଁ (ଆମେ ବିଭାଗ ଖୋଜିବୁ)",
    "file.district": "ଜିଲ୍ଲା",
    "file.ward": "ୱାର୍ଡ ବା ଅଞ୍ଚଳ (ଇଚ୍ଛାଧୀନ)",
    "file.description": "ସମସ୍ୟାଟି ବର୍ଣ୍ଣନା କରନ୍ତୁ",
    "file.location": "ମୋର ଅବସ୍ଥାନ ଯୋଡ଼ନ୍ତୁ",
    "file.location.added": "ଅବସ୍ଥାନ ଯୋଡ଼ାଗଲା।",
    "file.submit": "ଦାଖଲ କରନ୍ତୁ",
    "file.done": "ଦାଖଲ ହେଲା। ଆପଣଙ୍କ ଟ୍ରାକିଂ ଆଇଡି {id}।",
    "file.queued": "ଆପଣ ଅଫଲାଇନ୍ ଅଛନ୍ତି: ଅନଲାଇନ୍ ହେବା ମାତ୍ରେ ଅଭିଯୋଗଟି ପଠାଯିବ।",
    "file.sent_later": "ଅଫଲାଇନ୍ ଥିବାବେଳେ ଦାଖଲ କରିଥିବା ଆପଣଙ୍କ ଅଭିଯୋଗ ପଠାଗଲା: {id}।",
    "mine.title": "ମୋର ଅଭିଯୋଗ",
    "mine.none": "ଆପଣ ଏପର୍ଯ୍ୟନ୍ତ କୌଣସି ଅଭିଯୋଗ ଦାଖଲ କରିନାହାନ୍ତି।",
    "mine.due": "ସମୟସୀମା {when}",
    "detail.title": "ଅଭିଯୋଗ {id}",
    "detail.history": "କ'ଣ ହେଲା",
    "detail.reply": "ଆପଣଙ୍କ ଉତ୍ତର",
    "detail.reply.submit": "ଉତ୍ତର ପଠାନ୍ତୁ",
    "detail.rating": "ଆପଣ କେତେ ସନ୍ତୁଷ୍ଟ? (1 ରୁ 5)",
    "detail.feedback.submit": "ମୂଲ୍ୟାୟନ ଦେଇ ବନ୍ଦ କରନ୍ତୁ",
    "detail.reason": "କାହିଁକି?",
    "detail.reopen.submit": "ପୁନର୍ବାର ଖୋଲନ୍ତୁ",
    "detail.appeal.submit": "ଅପିଲ କରନ୍ତୁ",
    "detail.done": "ସଂରକ୍ଷିତ ହେଲା।",
    "track.title": "ଅଭିଯୋଗର ସ୍ଥିତି ଜାଣନ୍ତୁ",
    "track.id": "ଟ୍ରାକିଂ ଆଇଡି",
    "track.last4": "ଯେଉଁ ମୋବାଇଲ୍ ନମ୍ବରରୁ ଦାଖଲ କରାଯାଇଥିଲା, ତାହାର ଶେଷ 4ଟି ଅଙ୍କ",
    "track.submit": "ଦେଖନ୍ତୁ",
    "track.filed": "ଦାଖଲ {when}",
    "nav.mine": "ମୋର ଅଭିଯୋଗ",
    "nav.file": "ଅଭିଯୋଗ ଦାଖଲ କରନ୍ତୁ",
    "home.department": "ବିଭାଗ",
    "home.department.all": "ସମସ୍ତ ବିଭାଗ",
    "service.fee": "ଶୁଳ୍କ: ₹{fee}",
    "service.free": "କୌଣସି ଶୁଳ୍କ ନାହିଁ",
    "service.sla": "{days} କାର୍ଯ୍ୟ ଦିବସ ମଧ୍ୟରେ ନିଷ୍ପତ୍ତି",
    "service.eligibility": "କିଏ ଆବେଦନ କରିପାରିବେ",
    "service.documents": "ଅପଲୋଡ୍ କରିବାକୁ ଥିବା ଦସ୍ତାବିଜ",
    "service.optional": "(ଇଚ୍ଛାଧୀନ)",
    "service.login": "ଆବେଦନ କରିବାକୁ ଲଗ୍ ଇନ୍ କରନ୍ତୁ",
    "apply.title": "ଆବେଦନ କରନ୍ତୁ",
    "apply.district": "ଯେଉଁ ଜିଲ୍ଲାରେ ଏହାର କାର୍ଯ୍ୟ ହେବ",
    "apply.district.mine": "ମୋର ଜିଲ୍ଲା (ମୋ ପ୍ରୋଫାଇଲରୁ)",
    "apply.choose": "ବାଛନ୍ତୁ",
    "apply.yes": "ହଁ",
    "apply.no": "ନା",
    "apply.one_per_line": "ତାଲିକା ପାଇଁ ପ୍ରତି ଧାଡ଼ିରେ ଗୋଟିଏ ଲେଖନ୍ତୁ।",
    "upload.empty": "ଫାଇଲଟି ଖାଲି ଅଛି।",
    "apply.document": "{name} (PDF, JPEG ବା PNG)",
    "apply.submit": "ଆବେଦନ ଦାଖଲ କରନ୍ତୁ",
    "apply.done": "ଦାଖଲ ହେଲା। ଆପଣଙ୍କ ଟ୍ରାକିଂ ଆଇଡି {id}।",
    "upload.type": "PDF, JPEG ବା PNG ଫାଇଲ ଅପଲୋଡ୍ କରନ୍ତୁ।",
    "upload.size": "ଫାଇଲଟି ବହୁତ ବଡ଼: ସର୍ବାଧିକ {mb} MB।",
    "upload.failed": "ଫାଇଲଟି ଅପଲୋଡ୍ ହୋଇପାରିଲା ନାହିଁ। ପୁଣି ଚେଷ୍ଟା କରନ୍ତୁ।",
    "applications.title": "ମୋର ଆବେଦନ",
    "applications.none": "ଆପଣ ଏପର୍ଯ୍ୟନ୍ତ କୌଣସି ଆବେଦନ କରିନାହାନ୍ତି।",
    "application.title": "ଆବେଦନ {id}",
    "application.next": "ଏହା ପରେ କ'ଣ ହେବ: {what}",
    "application.documents": "ଦସ୍ତାବିଜ",
    "application.asked": "ଅଧିକାରୀଙ୍କ ଅନୁରୋଧ",
    "application.answer": "ଆପଣଙ୍କ ଉତ୍ତର",
    "application.answer.submit": "ଉତ୍ତର ପଠାନ୍ତୁ",
    "application.status.submitted": "ଦାଖଲ ହୋଇଛି",
    "application.status.under_verification": "ଯାଞ୍ଚ ଚାଲିଛି",
    "application.status.processing": "ପ୍ରକ୍ରିୟାଧୀନ",
    "application.status.info_requested": "ଆପଣଙ୍କ ଉତ୍ତର ଅପେକ୍ଷାରେ",
    "application.status.approved": "ଅନୁମୋଦିତ",
    "application.status.rejected": "ପ୍ରତ୍ୟାଖ୍ୟାତ",
    "application.status.completed": "ସମ୍ପୂର୍ଣ୍ଣ",
    "nav.applications": "ମୋର ଆବେଦନ",
  },
};

export function navigation(who) {
  return who && who.role === "citizen" ? [["#/mine", t("nav.mine")], ["#/applications", t("nav.applications")], ["#/file", t("nav.file")]] : [];
}

async function options(path, value, name) {
  const body = await get(withLanguage(path), { auth: false });
  return body[name].map((item) => el("option", { value: item.code, text: item.name || item.code, selected: item.code === value }));
}

async function home({ query, show }) {
  const q = query.get("q") || "";
  const department = query.get("department") || "";
  const search = el("input", { name: "q", type: "search", value: q });
  const departments = await options("/departments", department, "departments");
  const pick = el("select", { name: "department" }, el("option", { value: "", text: t("home.department.all") }), departments);
  const searchForm = el("form", { role: "search" }, ...field(t("home.search"), search), ...field(t("home.department"), pick), el("button", { type: "submit", text: t("home.search.button") }));
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = new URLSearchParams();
    if (search.value) wanted.set("q", search.value);
    if (pick.value) wanted.set("department", pick.value);
    location.hash = `#/?${wanted}`;
  });
  const filters = `${q ? `&q=${encodeURIComponent(q)}` : ""}${department ? `&department=${encodeURIComponent(department)}` : ""}`;
  const found = await get(withLanguage(`/services?limit=50${filters}`), { auth: false });
  const list = found.services.length
    ? el("ul", {}, found.services.map((s) => el("li", {}, el("a", { href: `#/services/${encodeURIComponent(s.code)}`, text: s.name }), " — ", s.description || "")))
    : el("p", { text: t("home.none") });
  show(t("home.title"), el("p", {}, el("a", { href: "#/file", text: t("home.file") })), searchForm, list);
}

async function registerPage({ show }) {
  const districts = await options("/districts", "", "districts");
  show(
    t("register.title"),
    form(
      [
        ...field(t("register.name"), el("input", { name: "name", autocomplete: "name", required: true })),
        ...field(t("register.national_id"), el("input", { name: "national_id", inputmode: "numeric", required: true })),
        ...field(t("register.mobile"), el("input", { name: "mobile", type: "tel", autocomplete: "tel", required: true })),
        ...field(t("register.email"), el("input", { name: "email", type: "email", autocomplete: "email" })),
        ...field(t("register.password"), el("input", { name: "password", type: "password", autocomplete: "new-password", required: true })),
        ...field(t("register.address"), el("input", { name: "address.line", autocomplete: "street-address", required: true })),
        ...field(t("register.district"), el("select", { name: "address.district" }, districts)),
        ...field(t("register.pincode"), el("input", { name: "address.pincode", inputmode: "numeric", required: true })),
      ],
      t("register.submit"),
      async (values) => {
        const body = {
          name: values.name,
          national_id: values.national_id,
          mobile: values.mobile,
          password: values.password,
          address: { line: values["address.line"], district: values["address.district"], pincode: values["address.pincode"] },
          language: language(),
        };
        if (values.email) body.email = values.email;
        const receipt = await post("/citizens", body, { auth: false });
        location.hash = `#/verify?mobile=${encodeURIComponent(values.mobile)}`;
        say(t("register.sent", { mobile: receipt.otp_sent_to || values.mobile }));
      },
    ),
  );
}

function verifyPage({ query, show }) {
  show(
    t("verify.title"),
    form(
      [
        ...field(t("register.mobile"), el("input", { name: "mobile", type: "tel", value: query.get("mobile") || "", required: true })),
        ...field(t("verify.otp"), el("input", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", required: true })),
      ],
      t("verify.submit"),
      async (values) => {
        await post("/citizens/verify", { mobile: values.mobile, otp: values.otp }, { auth: false });
        location.hash = `#/login?username=${encodeURIComponent(values.mobile)}`;
        say(t("verify.done"));
      },
    ),
  );
}

function loginPage({ query, show }) {
  show(
    t("login.title"),
    form(
      [
        ...field(t("login.username"), el("input", { name: "username", autocomplete: "username", value: query.get("username") || "", required: true })),
        ...field(t("login.password"), el("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
      ],
      t("login.submit"),
      async (values) => {
        const tokens = await post("/auth/login", { username: values.username, password: values.password }, { auth: false });
        saveSession(tokens);
        location.hash = tokens.role === "citizen" ? "#/mine" : "#/queue";
      },
    ),
    el("p", {}, el("a", { href: "#/forgot", text: t("login.forgot") })),
  );
}

function forgotPage({ show }) {
  const mobile = el("input", { name: "mobile", type: "tel", required: true });
  const ask = form([...field(t("register.mobile"), mobile)], t("forgot.send"), async (values) => {
    await post("/auth/password-reset", { mobile: values.mobile }, { auth: false });
    say(t("forgot.sent"));
  });
  const confirm = form(
    [
      ...field(t("register.mobile"), el("input", { name: "mobile", type: "tel", required: true })),
      ...field(t("verify.otp"), el("input", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", required: true })),
      ...field(t("forgot.new_password"), el("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true })),
    ],
    t("forgot.submit"),
    async (values) => {
      await post("/auth/password-reset/confirm", values, { auth: false });
      location.hash = "#/login";
      say(t("forgot.done"));
    },
  );
  show(t("forgot.title"), ask, confirm);
}

function requireCitizen() {
  const who = session();
  if (!who) {
    location.hash = "#/login";
    throw new ApiError(401, { error: { message: t("login.title") } });
  }
  return who;
}

const QUEUE = "queued-grievances";

function queued() {
  return JSON.parse(localStorage.getItem(QUEUE) || "[]");
}

// A grievance filed while offline waits here, with the key that makes sending it twice file it once.
export async function sendQueued() {
  if (!navigator.onLine || !session()) return;
  for (const item of queued()) {
    try {
      const filed = await post("/grievances", item.body, { headers: { "Idempotency-Key": item.key } });
      localStorage.setItem(QUEUE, JSON.stringify(queued().filter((other) => other.key !== item.key)));
      say(t("file.sent_later", { id: filed.tracking_id }));
    } catch (error) {
      if (error instanceof ApiError) localStorage.setItem(QUEUE, JSON.stringify(queued().filter((other) => other.key !== item.key)));
      return; // offline again, or refused and dropped: try the rest later
    }
  }
}

async function filePage({ show }) {
  requireCitizen();
  const [categories, districts] = await Promise.all([options("/categories", "", "categories"), options("/districts", "", "districts")]);
  const lat = el("input", { type: "hidden", name: "lat" });
  const lon = el("input", { type: "hidden", name: "lon" });
  const locate = el("button", { type: "button", class: "secondary", text: t("file.location") });
  locate.addEventListener("click", () =>
    navigator.geolocation.getCurrentPosition((position) => {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      say(t("file.location.added"));
    }),
  );
  show(
    t("file.title"),
    form(
      [
        ...field(t("file.category"), el("select", { name: "category" }, el("option", { value: "", text: t("file.category.unsure") }), categories)),
        ...field(t("file.district"), el("select", { name: "location.district" }, districts)),
        ...field(t("file.ward"), el("input", { name: "location.ward" })),
        ...field(t("file.description"), el("textarea", { name: "description", required: true, maxlength: 5000 })),
        lat,
        lon,
        locate,
      ],
      t("file.submit"),
      async (values) => {
        const body = { description: values.description, location: { district: values["location.district"] } };
        if (values.category) body.category = values.category;
        if (values["location.ward"]) body.location.ward = values["location.ward"];
        if (values.lat && values.lon) Object.assign(body.location, { lat: Number(values.lat), lon: Number(values.lon) });
        const key = crypto.randomUUID();
        if (!navigator.onLine) {
          localStorage.setItem(QUEUE, JSON.stringify([...queued(), { key, body }]));
          say(t("file.queued"));
          return;
        }
        const filed = await post("/grievances", body, { headers: { "Idempotency-Key": key } });
        location.hash = `#/grievances/${filed.tracking_id}`;
        say(t("file.done", { id: filed.tracking_id }));
      },
    ),
  );
}

async function minePage({ show }) {
  requireCitizen();
  const page = await get("/grievances?limit=50");
  const list = page.grievances.length
    ? el(
        "ul",
        {},
        page.grievances.map((g) =>
          el(
            "li",
            { class: "card" },
            el("a", { href: `#/grievances/${g.tracking_id}`, text: g.tracking_id }),
            " ",
            statusBadge(g.status),
            g.due_at ? el("div", { class: "hint", text: t("mine.due", { when: when(g.due_at) }) }) : null,
          ),
        ),
      )
    : el("p", { text: t("mine.none") });
  show(t("mine.title"), list);
}

function move(title, fields, path, body) {
  return form(fields, title, async (values) => {
    await post(path, body(values));
    say(t("detail.done"));
    redraw();
  });
}

async function detailPage({ id, show }) {
  requireCitizen();
  const g = await get(`/grievances/${encodeURIComponent(id)}`);
  const base = `/grievances/${encodeURIComponent(id)}`;
  const moves = [];
  if (g.status === "info_requested") {
    moves.push(move(t("detail.reply.submit"), field(t("detail.reply"), el("textarea", { name: "message", required: true })), `${base}/reply`, (v) => ({ message: v.message })));
  }
  if (g.status === "resolved") {
    const rating = el("select", { name: "rating" }, [5, 4, 3, 2, 1].map((n) => el("option", { value: n, text: n })));
    moves.push(move(t("detail.feedback.submit"), field(t("detail.rating"), rating), `${base}/feedback`, (v) => ({ rating: Number(v.rating) })));
  }
  if (g.status === "resolved" || g.status === "rejected") {
    moves.push(move(t("detail.reopen.submit"), field(t("detail.reason"), el("textarea", { name: "reason", required: true })), `${base}/reopen`, (v) => ({ reason: v.reason })));
  }
  if (g.status === "closed" || g.status === "rejected") {
    moves.push(move(t("detail.appeal.submit"), field(t("detail.reason"), el("textarea", { name: "reason", required: true })), `${base}/appeal`, (v) => ({ reason: v.reason })));
  }
  show(
    t("detail.title", { id: g.tracking_id }),
    el("p", {}, statusBadge(g.status), g.due_at ? ` ${t("mine.due", { when: when(g.due_at) })}` : ""),
    el("p", { text: g.description }),
    el("h2", { text: t("detail.history") }),
    el("ol", { class: "timeline" }, g.timeline.map((entry) => el("li", {}, `${when(entry.at)} — ${t(`status.${entry.to_state}`)}`, entry.note ? el("div", { class: "hint", text: entry.note }) : null))),
    ...moves,
  );
}

// One input for one property of a service's JSON Schema form, named `fields.<name>` so that an
// error naming that field finds it.
function formControl(name, schema, required) {
  const attributes = { name: `fields.${name}`, required };
  if (Array.isArray(schema.enum)) {
    const choices = schema.enum.map((value) => el("option", { value: String(value), text: String(value) }));
    return el("select", attributes, el("option", { value: "", text: t("apply.choose") }), choices);
  }
  // A select, not a checkbox: "no" is an answer too, and an unticked box sends nothing.
  if (schema.type === "boolean") {
    return el("select", attributes, el("option", { value: "", text: t("apply.choose") }), el("option", { value: "true", text: t("apply.yes") }), el("option", { value: "false", text: t("apply.no") }));
  }
  if (schema.type === "integer" || schema.type === "number") {
    const integer = schema.type === "integer";
    return el("input", { ...attributes, type: "number", inputmode: integer ? "numeric" : "decimal", min: schema.minimum, max: schema.maximum, step: integer ? 1 : "any" });
  }
  if (schema.type === "array") return el("textarea", { ...attributes, "aria-describedby": "one-per-line" }); // one item a line
  if ((schema.maxLength || 0) > 200) return el("textarea", { ...attributes, maxlength: schema.maxLength });
  const type = { date: "date", email: "email" }[schema.format] || "text";
  return el("input", { ...attributes, type, minlength: schema.minLength, maxlength: schema.maxLength });
}

// The form's fields (or only those asked for, all required then). A field asked for that the
// service's current form no longer has is still offered, as plain text under its own name.
function formFields(schema, only) {
  const required = new Set(schema.required || []);
  const properties = schema.properties || {};
  const names = only || Object.keys(properties);
  const fields = names.flatMap((name) => {
    const property = properties[name] || { type: "string" };
    const title = property[`x-title-${language()}`] || property.title || name;
    const needed = required.has(name) || Boolean(only);
    return field(needed ? title : `${title} ${t("service.optional")}`, formControl(name, property, needed));
  });
  const lists = names.some((name) => (properties[name] || {}).type === "array");
  return lists ? [...fields, el("p", { class: "hint", id: "one-per-line", text: t("apply.one_per_line") })] : fields;
}

// What the form holds, typed as the schema says; a blank optional field is left out.
function formAnswers(schema, values) {
  const answers = {};
  for (const [key, raw] of Object.entries(values)) {
    if (!key.startsWith("fields.") || raw === "") continue;
    const name = key.slice(7);
    const property = (schema.properties || {})[name] || {};
    if (property.type === "boolean") answers[name] = raw === "true";
    else if (property.type === "integer" || property.type === "number") answers[name] = Number(raw);
    else if (property.type === "array") answers[name] = raw.split("\n").map((item) => item.trim()).filter(Boolean);
    else answers[name] = raw;
  }
  return answers;
}

function documentInputs(documents, required) {
  return documents.flatMap((document) =>
    field(
      t("apply.document", { name: required || document.required ? document.name : `${document.name} ${t("service.optional")}` }),
      el("input", { type: "file", name: `documents.${document.slot}`, accept: "application/pdf,image/jpeg,image/png", required: required || document.required }),
    ),
  );
}

// A file already uploaded is not sent again when the form is corrected and sent once more: each
// upload spends one of the citizen's slots for the hour, and their data.
const uploaded = new WeakMap();

async function uploadChosen(serviceCode, values) {
  const uploads = {};
  for (const [name, file] of Object.entries(values)) {
    if (!name.startsWith("documents.") || !(file instanceof File) || !file.name) continue;
    const slot = name.slice(10);
    if (file.size === 0) throw new ApiError(422, { error: { message: t("upload.empty"), field: name } });
    if (!uploaded.has(file)) uploaded.set(file, await uploadDocument(serviceCode, slot, file));
    uploads[slot] = uploaded.get(file);
  }
  return uploads;
}

// The page again, as it now stands, keeping what was just said.
function redraw() {
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

async function servicePage({ code, show }) {
  const service = await get(withLanguage(`/services/${encodeURIComponent(code)}`), { auth: false });
  const about = [
    el("p", { text: service.description || "" }),
    el("p", { text: service.fee_inr ? t("service.fee", { fee: service.fee_inr }) : t("service.free") }),
    el("p", { text: t("service.sla", { days: service.sla_days }) }),
    service.eligibility ? el("h2", { text: t("service.eligibility") }) : null,
    service.eligibility ? el("p", { text: service.eligibility }) : null,
  ];
  const who = session();
  if (!who || who.role !== "citizen") {
    const documents = service.documents.length
      ? [el("h2", { text: t("service.documents") }), el("ul", {}, service.documents.map((d) => el("li", { text: d.required ? d.name : `${d.name} ${t("service.optional")}` })))]
      : [];
    show(service.name, ...about, ...documents, el("p", {}, el("a", { href: "#/login", text: t("service.login") })));
    return;
  }
  const districts = await options("/districts", "", "districts");
  // One key for this form: a retry after a lost answer gets the first application back.
  const key = crypto.randomUUID();
  const applying = form(
    [
      ...formFields(service.form),
      ...field(t("apply.district"), el("select", { name: "district" }, el("option", { value: "", text: t("apply.district.mine") }), districts)),
      ...documentInputs(service.documents, false),
    ],
    t("apply.submit"),
    async (values) => {
      const body = { service_code: service.code, fields: formAnswers(service.form, values), documents: await uploadChosen(service.code, values) };
      if (values.district) body.district = values.district;
      const filed = await post("/applications", body, { headers: { "Idempotency-Key": key } });
      location.hash = `#/applications/${filed.tracking_id}`;
      say(t("apply.done", { id: filed.tracking_id }));
    },
  );
  show(service.name, ...about, el("h2", { text: t("apply.title") }), applying);
}

async function applicationsPage({ show }) {
  requireCitizen();
  const [page, catalogue] = await Promise.all([get("/applications?limit=50"), get(withLanguage("/services?limit=100"), { auth: false })]);
  const names = new Map(catalogue.services.map((service) => [service.code, service.name]));
  const list = page.applications.length
    ? el(
        "ul",
        {},
        page.applications.map((a) =>
          el(
            "li",
            { class: "card" },
            el("a", { href: `#/applications/${a.tracking_id}`, text: a.tracking_id }),
            " ",
            statusBadge(a.status, "application.status"),
            el("div", { class: "hint", text: names.get(a.service_code) || a.service_code }),
            a.due_at ? el("div", { class: "hint", text: t("mine.due", { when: when(a.due_at) }) }) : null,
          ),
        ),
      )
    : el("p", { text: t("applications.none") });
  show(t("applications.title"), list);
}

async function applicationPage({ id, show }) {
  requireCitizen();
  const path = `/applications/${encodeURIComponent(id)}`;
  const application = await get(path);
  const service = await get(withLanguage(`/services/${encodeURIComponent(application.service_code)}`), { auth: false });
  const asked = application.status === "info_requested" && application.info_requested;
  const answer = asked
    ? [
        el("h2", { text: t("application.asked") }),
        el("p", { text: asked.note }),
        form(
          [
            ...(asked.fields.length ? formFields(service.form, asked.fields) : []),
            ...documentInputs(asked.documents.map((slot) => service.documents.find((d) => d.slot === slot) || { slot, name: slot }), true),
            ...field(t("application.answer"), el("textarea", { name: "note", maxlength: 2000, required: !asked.fields.length && !asked.documents.length })),
          ],
          t("application.answer.submit"),
          async (values) => {
            const body = { action: "provide_info", fields: formAnswers(service.form, values), documents: await uploadChosen(application.service_code, values) };
            if (values.note) body.note = values.note;
            await post(`${path}/actions`, body);
            say(t("detail.done"));
            redraw();
          },
        ),
      ]
    : [];
  show(
    t("application.title", { id: application.tracking_id }),
    el("p", {}, statusBadge(application.status, "application.status"), application.due_at ? ` ${t("mine.due", { when: when(application.due_at) })}` : ""),
    el("p", { text: service.name }),
    application.expected_next ? el("p", { text: t("application.next", { what: application.expected_next.what }) }) : null,
    ...answer,
    application.documents.length ? el("h2", { text: t("application.documents") }) : null,
    application.documents.length ? el("ul", {}, application.documents.map((d) => el("li", { text: (service.documents.find((s) => s.slot === d.slot) || {}).name || d.slot }))) : null,
    el("h2", { text: t("detail.history") }),
    el("ol", { class: "timeline" }, application.timeline.map((entry) => el("li", {}, `${when(entry.at)} — ${t(`application.status.${entry.to_state}`)}`, entry.note ? el("div", { class: "hint", text: entry.note }) : null))),
  );
}

function trackPage({ query, show }) {
  const result = el("div", { "aria-live": "polite" });
  show(
    t("track.title"),
    form(
      [
        ...field(t("track.id"), el("input", { name: "id", value: query.get("id") || "", required: true })),
        ...field(t("track.last4"), el("input", { name: "last4", inputmode: "numeric", maxlength: 4, required: true })),
      ],
      t("track.submit"),
      async (values) => {
        const found = await get(`/track/${encodeURIComponent(values.id.trim().toUpperCase())}?mobile_last4=${encodeURIComponent(values.last4)}`, { auth: false });
        result.replaceChildren(
          el("p", {}, el("strong", { text: found.tracking_id }), " ", statusBadge(found.status)),
          el("p", { text: t("track.filed", { when: when(found.filed_at) }) }),
          found.due_at ? el("p", { text: t("mine.due", { when: when(found.due_at) }) }) : "",
        );
      },
    ),
    result,
  );
}

export const routes = {
  "/": home,
  "/services/:code": servicePage,
  "/applications": applicationsPage,
  "/applications/:id": applicationPage,
  "/register": registerPage,
  "/verify": verifyPage,
  "/login": loginPage,
  "/forgot": forgotPage,
  "/file": filePage,
  "/mine": minePage,
  "/grievances/:id": detailPage,
  "/track": trackPage,
};
