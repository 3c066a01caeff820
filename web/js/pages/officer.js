// The officer's console: my queue (and, for supervisors and above, what is about to breach),
// one grievance with its full history and the moves its state allows, and the applications
// on my desk with the moves of their stage. The API decides; the console only offers the
// moves it would accept, so a click rarely ends in a refusal.
import { ApiError, get, post, session, withLanguage } from "../api.js";
import { language, t } from "../i18n.js";
import { el, field, form, say, when } from "../ui.js";

export const STRINGS = {
  en: {
    "officer.nav.queue": "Queue",
    "officer.nav.applications": "Applications",
    "officer.staff_only": "This page is for department staff.",
    "officer.saved": "Saved.",
    "officer.password.title": "Choose your own password",
    "officer.password.why": "The password you were given was for your first login only.",
    "officer.password.current": "Password you were given",
    "officer.password.new": "Your new password (at least 12 characters)",
    "officer.password.submit": "Change the password",
    "officer.password.done": "Your password is changed.",
    "officer.overdue": "Overdue",
    "officer.due": "Due {when}",
    "officer.was_due": "Was due {when}",
    "officer.level": "Level {level}: {role}",
    "officer.queue.title": "My queue",
    "officer.queue.none": "Nothing is waiting for you.",
    "officer.queue.at_risk": "At risk",
    "officer.queue.at_risk.hint": "Running grievances of your jurisdiction, most likely to miss their deadline first.",
    "officer.queue.at_risk.none": "Nothing is at risk.",
    "officer.risk.chance": "{chance}% likely to miss its deadline",
    "officer.risk.left": "{hours} hours left",
    "officer.risk.late": "{hours} hours late",
    "officer.risk.load": "its officer has {load} open",
    "officer.grievance.title": "Grievance {id}",
    "officer.facts.status": "Status",
    "officer.facts.category": "Category",
    "officer.facts.department": "Department",
    "officer.facts.district": "District",
    "officer.facts.ward": "Ward",
    "officer.facts.filed": "Filed",
    "officer.facts.due": "Due",
    "officer.facts.level": "Escalation",
    "officer.facts.assigned_to": "Assigned to",
    "officer.facts.channel": "Channel",
    "officer.facts.transfers": "Transfers",
    "officer.facts.supporters": "Others with the same problem",
    "officer.facts.service": "Service",
    "officer.facts.next": "Waiting for",
    "officer.uncategorised": "Not categorised",
    "officer.nobody": "Nobody",
    "officer.choose": "Choose…",
    "officer.description": "What the citizen wrote",
    "officer.history": "History",
    "officer.history.broken": "Warning: this history does not match its seal. Tell the state grievance cell.",
    "officer.history.by": "by {role}",
    "officer.history.department": "to department {department}",
    "officer.history.officer": "to officer {officer}",
    "officer.internal": "Staff only",
    "officer.moves": "What you can do",
    "officer.moves.none": "Nothing more can be done on this grievance at your level; you may add a note.",
    "officer.accept.title": "Take it up",
    "officer.accept.hint": "Starts the work; the citizen is told.",
    "officer.accept.submit": "Accept",
    "officer.resolve.title": "Resolve",
    "officer.resolve.note": "What was done (the citizen sees this)",
    "officer.resolve.submit": "Resolve",
    "officer.request_info.title": "Ask the citizen",
    "officer.request_info.note": "Question for the citizen",
    "officer.request_info.hint": "The deadline pauses until they answer.",
    "officer.request_info.submit": "Ask",
    "officer.transfer.title": "Not this department's",
    "officer.transfer.department": "Department to transfer to",
    "officer.transfer.note": "Reason for the transfer",
    "officer.transfer.submit": "Transfer",
    "officer.reassign.title": "Give it to another officer",
    "officer.reassign.officer": "Officer to hand it to",
    "officer.reassign.officer_id": "Officer id to hand it to",
    "officer.reassign.submit": "Reassign",
    "officer.reject.title": "Reject",
    "officer.reject.note": "Reason for rejecting (the citizen sees this)",
    "officer.reject.submit": "Reject",
    "officer.comment.title": "Internal note",
    "officer.comment.note": "Note (staff only; the citizen never sees it)",
    "officer.comment.submit": "Add note",
    "officer.applications.title": "Applications on my desk",
    "officer.applications.none": "No application is waiting for you.",
    "officer.application.title": "Application {id}",
    "officer.application.fields": "What the applicant filled in",
    "officer.application.documents": "Documents",
    "officer.application.documents.none": "No document was uploaded.",
    "officer.application.document.open": "Open {name}",
    "officer.application.asked": "Asked of the applicant: {note}",
    "officer.application.asked.items": "To provide: {items}",
    "officer.next.department": "The department",
    "officer.next.citizen": "The applicant",
    "officer.next.nobody": "Nobody: it is complete",
    "officer.start_verification.title": "Start verification",
    "officer.start_verification.submit": "Start verification",
    "officer.verify.title": "Details and documents verified",
    "officer.verify.note": "Verification note (optional)",
    "officer.verify.submit": "Verify",
    "officer.approve.title": "Approve",
    "officer.approve.note": "Approval note (optional)",
    "officer.approve.submit": "Approve",
    "officer.complete.title": "Close the file",
    "officer.complete.hint": "The service was delivered, or the refusal was sent.",
    "officer.complete.note": "Closing note (optional)",
    "officer.complete.submit": "Complete",
    "officer.ask_applicant.title": "Ask the applicant",
    "officer.ask_applicant.note": "What the applicant should provide",
    "officer.ask_applicant.fields": "Fields to correct (optional)",
    "officer.ask_applicant.documents": "Documents to upload (optional)",
    "officer.ask_applicant.hint": "The deadline pauses until they answer.",
    "officer.ask_applicant.submit": "Ask the applicant",
    "officer.reject_application.note": "Reason for rejecting (the applicant sees this)",
    "officer.comment_application.note": "Note (staff only; the applicant never sees it)",
    "officer.status.registered": "Registered",
    "officer.status.assigned": "Assigned",
    "officer.status.in_progress": "In progress",
    "officer.status.info_requested": "Waiting for the citizen",
    "officer.status.resolved": "Resolved",
    "officer.status.closed": "Closed",
    "officer.status.rejected": "Rejected",
    "officer.status.submitted": "Submitted",
    "officer.status.under_verification": "Under verification",
    "officer.status.processing": "Processing",
    "officer.status.approved": "Approved",
    "officer.status.completed": "Completed",
    "officer.role.citizen": "the citizen",
    "officer.role.officer": "officer",
    "officer.role.supervisor": "supervisor",
    "officer.role.department_head": "department head",
    "officer.role.state_admin": "state grievance cell",
    "officer.role.system": "the system",
    "officer.role.channel": "a channel",
    "officer.event.filed": "Filed",
    "officer.event.assigned": "Assigned",
    "officer.event.accepted": "Accepted",
    "officer.event.commented": "Note added",
    "officer.event.info_requested": "Information asked",
    "officer.event.info_provided": "Information provided",
    "officer.event.transferred": "Transferred",
    "officer.event.reassigned": "Reassigned",
    "officer.event.handed_over": "Handed over",
    "officer.event.resolved": "Resolved",
    "officer.event.rejected": "Rejected",
    "officer.event.closed": "Closed",
    "officer.event.reopened": "Reopened",
    "officer.event.appealed": "Appealed",
    "officer.event.escalated": "Escalated",
    "officer.event.sla_warning": "Deadline warning",
    "officer.event.sla_breached": "Deadline missed",
    "officer.event.supported": "Another citizen said “me too”",
    "officer.event.citizen_wrote": "The citizen wrote",
    "officer.event.linked_to_account": "Linked to the citizen's account",
    "officer.event.personal_data_erased": "Personal data erased",
    "officer.event.submitted": "Submitted",
    "officer.event.verification_started": "Verification started",
    "officer.event.verified": "Verified",
    "officer.event.approved": "Approved",
    "officer.event.completed": "Completed",
  },
  hi: {
    "officer.nav.queue": "कतार",
    "officer.nav.applications": "आवेदन",
    "officer.staff_only": "यह पृष्ठ विभाग के कर्मचारियों के लिए है।",
    "officer.saved": "सहेजा गया।",
    "officer.password.title": "अपना पासवर्ड चुनें",
    "officer.password.why": "आपको दिया गया पासवर्ड केवल पहली बार लॉग इन के लिए था।",
    "officer.password.current": "आपको दिया गया पासवर्ड",
    "officer.password.new": "आपका नया पासवर्ड (कम से कम 12 अक्षर)",
    "officer.password.submit": "पासवर्ड बदलें",
    "officer.password.done": "आपका पासवर्ड बदल गया।",
    "officer.overdue": "समय-सीमा पार",
    "officer.due": "समय-सीमा {when}",
    "officer.was_due": "समय-सीमा थी {when}",
    "officer.level": "स्तर {level}: {role}",
    "officer.queue.title": "मेरी कतार",
    "officer.queue.none": "आपके पास कुछ भी लंबित नहीं है।",
    "officer.queue.at_risk": "जोखिम में",
    "officer.queue.at_risk.hint": "आपके क्षेत्राधिकार की चल रही शिकायतें, जिनकी समय-सीमा चूकने की संभावना सबसे अधिक है वे पहले।",
    "officer.queue.at_risk.none": "कुछ भी जोखिम में नहीं है।",
    "officer.risk.chance": "समय-सीमा चूकने की संभावना {chance}%",
    "officer.risk.left": "{hours} घंटे शेष",
    "officer.risk.late": "{hours} घंटे की देरी",
    "officer.risk.load": "इसके अधिकारी के पास {load} खुले मामले",
    "officer.grievance.title": "शिकायत {id}",
    "officer.facts.status": "स्थिति",
    "officer.facts.category": "श्रेणी",
    "officer.facts.department": "विभाग",
    "officer.facts.district": "ज़िला",
    "officer.facts.ward": "वार्ड",
    "officer.facts.filed": "दर्ज",
    "officer.facts.due": "समय-सीमा",
    "officer.facts.level": "स्तर",
    "officer.facts.assigned_to": "किसे सौंपी गई",
    "officer.facts.channel": "माध्यम",
    "officer.facts.transfers": "स्थानांतरण",
    "officer.facts.supporters": "यही समस्या वाले अन्य लोग",
    "officer.facts.service": "सेवा",
    "officer.facts.next": "किसकी प्रतीक्षा",
    "officer.uncategorised": "श्रेणी तय नहीं",
    "officer.nobody": "कोई नहीं",
    "officer.choose": "चुनें…",
    "officer.description": "नागरिक ने क्या लिखा",
    "officer.history": "इतिहास",
    "officer.history.broken": "चेतावनी: यह इतिहास अपनी मुहर से मेल नहीं खाता। राज्य शिकायत प्रकोष्ठ को बताएँ।",
    "officer.history.by": "{role} द्वारा",
    "officer.history.department": "विभाग {department} को",
    "officer.history.officer": "अधिकारी {officer} को",
    "officer.internal": "केवल कर्मचारियों के लिए",
    "officer.moves": "आप क्या कर सकते हैं",
    "officer.moves.none": "आपके स्तर पर इस शिकायत पर अब कुछ और नहीं किया जा सकता; आप टिप्पणी जोड़ सकते हैं।",
    "officer.accept.title": "कार्य शुरू करें",
    "officer.accept.hint": "कार्य शुरू होता है; नागरिक को सूचना जाती है।",
    "officer.accept.submit": "स्वीकार करें",
    "officer.resolve.title": "निराकरण",
    "officer.resolve.note": "क्या किया गया (नागरिक इसे देखेंगे)",
    "officer.resolve.submit": "निराकृत करें",
    "officer.request_info.title": "नागरिक से पूछें",
    "officer.request_info.note": "नागरिक के लिए प्रश्न",
    "officer.request_info.hint": "उत्तर आने तक समय-सीमा रुकी रहती है।",
    "officer.request_info.submit": "पूछें",
    "officer.transfer.title": "यह इस विभाग का नहीं है",
    "officer.transfer.department": "किस विभाग को भेजें",
    "officer.transfer.note": "स्थानांतरण का कारण",
    "officer.transfer.submit": "स्थानांतरित करें",
    "officer.reassign.title": "किसी अन्य अधिकारी को दें",
    "officer.reassign.officer": "किस अधिकारी को सौंपें",
    "officer.reassign.officer_id": "जिस अधिकारी को सौंपना है उसकी आईडी",
    "officer.reassign.submit": "पुनः सौंपें",
    "officer.reject.title": "अस्वीकार",
    "officer.reject.note": "अस्वीकार करने का कारण (नागरिक इसे देखेंगे)",
    "officer.reject.submit": "अस्वीकार करें",
    "officer.comment.title": "आंतरिक टिप्पणी",
    "officer.comment.note": "टिप्पणी (केवल कर्मचारियों के लिए; नागरिक इसे कभी नहीं देखेंगे)",
    "officer.comment.submit": "टिप्पणी जोड़ें",
    "officer.applications.title": "मेरे पास लंबित आवेदन",
    "officer.applications.none": "आपके पास कोई आवेदन लंबित नहीं है।",
    "officer.application.title": "आवेदन {id}",
    "officer.application.fields": "आवेदक ने क्या भरा",
    "officer.application.documents": "दस्तावेज़",
    "officer.application.documents.none": "कोई दस्तावेज़ अपलोड नहीं किया गया।",
    "officer.application.document.open": "{name} खोलें",
    "officer.application.asked": "आवेदक से पूछा गया: {note}",
    "officer.application.asked.items": "देना है: {items}",
    "officer.next.department": "विभाग",
    "officer.next.citizen": "आवेदक",
    "officer.next.nobody": "कोई नहीं: आवेदन पूर्ण है",
    "officer.start_verification.title": "सत्यापन शुरू करें",
    "officer.start_verification.submit": "सत्यापन शुरू करें",
    "officer.verify.title": "विवरण और दस्तावेज़ सत्यापित",
    "officer.verify.note": "सत्यापन टिप्पणी (वैकल्पिक)",
    "officer.verify.submit": "सत्यापित करें",
    "officer.approve.title": "स्वीकृति",
    "officer.approve.note": "स्वीकृति टिप्पणी (वैकल्पिक)",
    "officer.approve.submit": "स्वीकृत करें",
    "officer.complete.title": "फ़ाइल बंद करें",
    "officer.complete.hint": "सेवा दे दी गई, या अस्वीकृति भेज दी गई।",
    "officer.complete.note": "समापन टिप्पणी (वैकल्पिक)",
    "officer.complete.submit": "पूर्ण करें",
    "officer.ask_applicant.title": "आवेदक से पूछें",
    "officer.ask_applicant.note": "आवेदक को क्या देना है",
    "officer.ask_applicant.fields": "सुधारने वाले विवरण (वैकल्पिक)",
    "officer.ask_applicant.documents": "अपलोड करने वाले दस्तावेज़ (वैकल्पिक)",
    "officer.ask_applicant.hint": "उत्तर आने तक समय-सीमा रुकी रहती है।",
    "officer.ask_applicant.submit": "आवेदक से पूछें",
    "officer.reject_application.note": "अस्वीकार करने का कारण (आवेदक इसे देखेंगे)",
    "officer.comment_application.note": "टिप्पणी (केवल कर्मचारियों के लिए; आवेदक इसे कभी नहीं देखेंगे)",
    "officer.status.registered": "दर्ज",
    "officer.status.assigned": "सौंपी गई",
    "officer.status.in_progress": "कार्यवाही जारी",
    "officer.status.info_requested": "नागरिक के उत्तर की प्रतीक्षा",
    "officer.status.resolved": "निराकृत",
    "officer.status.closed": "बंद",
    "officer.status.rejected": "अस्वीकृत",
    "officer.status.submitted": "जमा",
    "officer.status.under_verification": "सत्यापन में",
    "officer.status.processing": "प्रक्रिया में",
    "officer.status.approved": "स्वीकृत",
    "officer.status.completed": "पूर्ण",
    "officer.role.citizen": "नागरिक",
    "officer.role.officer": "अधिकारी",
    "officer.role.supervisor": "पर्यवेक्षक",
    "officer.role.department_head": "विभागाध्यक्ष",
    "officer.role.state_admin": "राज्य शिकायत प्रकोष्ठ",
    "officer.role.system": "प्रणाली",
    "officer.role.channel": "कोई माध्यम",
    "officer.event.filed": "दर्ज की गई",
    "officer.event.assigned": "सौंपी गई",
    "officer.event.accepted": "स्वीकार की गई",
    "officer.event.commented": "टिप्पणी जोड़ी गई",
    "officer.event.info_requested": "जानकारी माँगी गई",
    "officer.event.info_provided": "जानकारी दी गई",
    "officer.event.transferred": "स्थानांतरित",
    "officer.event.reassigned": "पुनः सौंपी गई",
    "officer.event.handed_over": "हस्तांतरित",
    "officer.event.resolved": "निराकृत",
    "officer.event.rejected": "अस्वीकृत",
    "officer.event.closed": "बंद",
    "officer.event.reopened": "फिर से खोली गई",
    "officer.event.appealed": "अपील की गई",
    "officer.event.escalated": "उच्च स्तर पर भेजी गई",
    "officer.event.sla_warning": "समय-सीमा की चेतावनी",
    "officer.event.sla_breached": "समय-सीमा चूकी",
    "officer.event.supported": "एक और नागरिक ने कहा “मेरी भी यही समस्या है”",
    "officer.event.citizen_wrote": "नागरिक ने लिखा",
    "officer.event.linked_to_account": "नागरिक के खाते से जोड़ी गई",
    "officer.event.personal_data_erased": "व्यक्तिगत जानकारी मिटाई गई",
    "officer.event.submitted": "जमा किया गया",
    "officer.event.verification_started": "सत्यापन शुरू",
    "officer.event.verified": "सत्यापित",
    "officer.event.approved": "स्वीकृत",
    "officer.event.completed": "पूर्ण",
  },
  or: {
    "officer.nav.queue": "କାର୍ଯ୍ୟ ତାଲିକା",
    "officer.nav.applications": "ଆବେଦନ",
    "officer.staff_only": "ଏହି ପୃଷ୍ଠା ବିଭାଗୀୟ କର୍ମଚାରୀଙ୍କ ପାଇଁ।",
    "officer.saved": "ସଂରକ୍ଷିତ ହେଲା।",
    "officer.password.title": "ନିଜର ପାସୱାର୍ଡ ବାଛନ୍ତୁ",
    "officer.password.why": "ଆପଣଙ୍କୁ ଦିଆଯାଇଥିବା ପାସୱାର୍ଡ କେବଳ ପ୍ରଥମ ଥର ଲଗ୍ ଇନ୍ ପାଇଁ ଥିଲା।",
    "officer.password.current": "ଆପଣଙ୍କୁ ଦିଆଯାଇଥିବା ପାସୱାର୍ଡ",
    "officer.password.new": "ଆପଣଙ୍କ ନୂଆ ପାସୱାର୍ଡ (ଅତି କମରେ 12ଟି ଅକ୍ଷର)",
    "officer.password.submit": "ପାସୱାର୍ଡ ବଦଳାନ୍ତୁ",
    "officer.password.done": "ଆପଣଙ୍କ ପାସୱାର୍ଡ ବଦଳିଗଲା।",
    "officer.overdue": "ସମୟସୀମା ଅତିକ୍ରାନ୍ତ",
    "officer.due": "ସମୟସୀମା {when}",
    "officer.was_due": "ସମୟସୀମା ଥିଲା {when}",
    "officer.level": "ସ୍ତର {level}: {role}",
    "officer.queue.title": "ମୋର କାର୍ଯ୍ୟ ତାଲିକା",
    "officer.queue.none": "ଆପଣଙ୍କ ପାଇଁ କିଛି ବାକି ନାହିଁ।",
    "officer.queue.at_risk": "ବିଳମ୍ବର ଆଶଙ୍କା",
    "officer.queue.at_risk.hint": "ଆପଣଙ୍କ ଅଧିକାର କ୍ଷେତ୍ରର ଚାଲୁଥିବା ଅଭିଯୋଗ; ଯେଉଁଗୁଡ଼ିକର ସମୟସୀମା ଅତିକ୍ରମ କରିବାର ସମ୍ଭାବନା ସବୁଠାରୁ ଅଧିକ, ସେଗୁଡ଼ିକ ପ୍ରଥମେ।",
    "officer.queue.at_risk.none": "କୌଣସି ଅଭିଯୋଗରେ ବିଳମ୍ବର ଆଶଙ୍କା ନାହିଁ।",
    "officer.risk.chance": "ସମୟସୀମା ଅତିକ୍ରମ କରିବାର ସମ୍ଭାବନା {chance}%",
    "officer.risk.left": "{hours} ଘଣ୍ଟା ବାକି",
    "officer.risk.late": "{hours} ଘଣ୍ଟା ବିଳମ୍ବ",
    "officer.risk.load": "ଏହାର ଅଧିକାରୀଙ୍କ ପାଖରେ {load}ଟି ବିଚାରାଧୀନ ମାମଲା",
    "officer.grievance.title": "ଅଭିଯୋଗ {id}",
    "officer.facts.status": "ସ୍ଥିତି",
    "officer.facts.category": "ବର୍ଗ",
    "officer.facts.department": "ବିଭାଗ",
    "officer.facts.district": "ଜିଲ୍ଲା",
    "officer.facts.ward": "ୱାର୍ଡ",
    "officer.facts.filed": "ଦାଖଲ",
    "officer.facts.due": "ସମୟସୀମା",
    "officer.facts.level": "ସ୍ତର",
    "officer.facts.assigned_to": "କାହା ଦାୟିତ୍ୱରେ",
    "officer.facts.channel": "ମାଧ୍ୟମ",
    "officer.facts.transfers": "ସ୍ଥାନାନ୍ତର",
    "officer.facts.supporters": "ସମାନ ସମସ୍ୟା ଥିବା ଅନ୍ୟମାନେ",
    "officer.facts.service": "ସେବା",
    "officer.facts.next": "କାହା ପାଇଁ ଅପେକ୍ଷା",
    "officer.uncategorised": "ବର୍ଗ ସ୍ଥିର ହୋଇନାହିଁ",
    "officer.nobody": "କେହି ନୁହେଁ",
    "officer.choose": "ବାଛନ୍ତୁ…",
    "officer.description": "ନାଗରିକ କ'ଣ ଲେଖିଛନ୍ତି",
    "officer.history": "ଇତିହାସ",
    "officer.history.broken": "ସତର୍କତା: ଏହି ଇତିହାସ ଏହାର ମୋହର ସହ ମେଳ ଖାଉନାହିଁ। ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲକୁ ଜଣାନ୍ତୁ।",
    "officer.history.by": "{role} ଦ୍ୱାରା",
    "officer.history.department": "ବିଭାଗ {department}କୁ",
    "officer.history.officer": "ଅଧିକାରୀ {officer}ଙ୍କୁ",
    "officer.internal": "କେବଳ କର୍ମଚାରୀଙ୍କ ପାଇଁ",
    "officer.moves": "ଆପଣ କ'ଣ କରିପାରିବେ",
    "officer.moves.none": "ଆପଣଙ୍କ ସ୍ତରରେ ଏହି ଅଭିଯୋଗ ଉପରେ ଆଉ କିଛି କରାଯାଇପାରିବ ନାହିଁ; ଆପଣ ଟିପ୍ପଣୀ ଯୋଡ଼ିପାରିବେ।",
    "officer.accept.title": "କାର୍ଯ୍ୟ ଆରମ୍ଭ କରନ୍ତୁ",
    "officer.accept.hint": "କାର୍ଯ୍ୟ ଆରମ୍ଭ ହୁଏ; ନାଗରିକଙ୍କୁ ଜଣାଯାଏ।",
    "officer.accept.submit": "ଗ୍ରହଣ କରନ୍ତୁ",
    "officer.resolve.title": "ସମାଧାନ",
    "officer.resolve.note": "କ'ଣ କରାଗଲା (ନାଗରିକ ଏହା ଦେଖିବେ)",
    "officer.resolve.submit": "ସମାଧାନ କରନ୍ତୁ",
    "officer.request_info.title": "ନାଗରିକଙ୍କୁ ପଚାରନ୍ତୁ",
    "officer.request_info.note": "ନାଗରିକଙ୍କ ପାଇଁ ପ୍ରଶ୍ନ",
    "officer.request_info.hint": "ଉତ୍ତର ନ ଆସିବା ପର୍ଯ୍ୟନ୍ତ ସମୟସୀମା ସ୍ଥଗିତ ରହେ।",
    "officer.request_info.submit": "ପଚାରନ୍ତୁ",
    "officer.transfer.title": "ଏହା ଏହି ବିଭାଗର ନୁହେଁ",
    "officer.transfer.department": "କେଉଁ ବିଭାଗକୁ ସ୍ଥାନାନ୍ତର କରିବେ",
    "officer.transfer.note": "ସ୍ଥାନାନ୍ତରର କାରଣ",
    "officer.transfer.submit": "ସ୍ଥାନାନ୍ତର କରନ୍ତୁ",
    "officer.reassign.title": "ଅନ୍ୟ ଜଣେ ଅଧିକାରୀଙ୍କୁ ଦିଅନ୍ତୁ",
    "officer.reassign.officer": "କେଉଁ ଅଧିକାରୀଙ୍କୁ ଦେବେ",
    "officer.reassign.officer_id": "ଯେଉଁ ଅଧିକାରୀଙ୍କୁ ଦେବେ ତାଙ୍କର ଆଇଡି",
    "officer.reassign.submit": "ପୁନଃ ନ୍ୟସ୍ତ କରନ୍ତୁ",
    "officer.reject.title": "ପ୍ରତ୍ୟାଖ୍ୟାନ",
    "officer.reject.note": "ପ୍ରତ୍ୟାଖ୍ୟାନର କାରଣ (ନାଗରିକ ଏହା ଦେଖିବେ)",
    "officer.reject.submit": "ପ୍ରତ୍ୟାଖ୍ୟାନ କରନ୍ତୁ",
    "officer.comment.title": "ଆଭ୍ୟନ୍ତରୀଣ ଟିପ୍ପଣୀ",
    "officer.comment.note": "ଟିପ୍ପଣୀ (କେବଳ କର୍ମଚାରୀଙ୍କ ପାଇଁ; ନାଗରିକ ଏହା କେବେ ଦେଖିବେ ନାହିଁ)",
    "officer.comment.submit": "ଟିପ୍ପଣୀ ଯୋଡ଼ନ୍ତୁ",
    "officer.applications.title": "ମୋ ପାଖରେ ବିଚାରାଧୀନ ଆବେଦନ",
    "officer.applications.none": "ଆପଣଙ୍କ ପାଖରେ କୌଣସି ଆବେଦନ ବିଚାରାଧୀନ ନାହିଁ।",
    "officer.application.title": "ଆବେଦନ {id}",
    "officer.application.fields": "ଆବେଦନକାରୀ କ'ଣ ପୂରଣ କରିଛନ୍ତି",
    "officer.application.documents": "ଦସ୍ତାବିଜ",
    "officer.application.documents.none": "କୌଣସି ଦସ୍ତାବିଜ ଅପଲୋଡ୍ ହୋଇନାହିଁ।",
    "officer.application.document.open": "{name} ଖୋଲନ୍ତୁ",
    "officer.application.asked": "ଆବେଦନକାରୀଙ୍କୁ ପଚରାଯାଇଛି: {note}",
    "officer.application.asked.items": "ଦେବାକୁ ହେବ: {items}",
    "officer.next.department": "ବିଭାଗ",
    "officer.next.citizen": "ଆବେଦନକାରୀ",
    "officer.next.nobody": "କେହି ନୁହେଁ: ଆବେଦନ ସମ୍ପୂର୍ଣ୍ଣ",
    "officer.start_verification.title": "ଯାଞ୍ଚ ଆରମ୍ଭ କରନ୍ତୁ",
    "officer.start_verification.submit": "ଯାଞ୍ଚ ଆରମ୍ଭ କରନ୍ତୁ",
    "officer.verify.title": "ବିବରଣୀ ଓ ଦସ୍ତାବିଜ ଯାଞ୍ଚ ହୋଇଛି",
    "officer.verify.note": "ଯାଞ୍ଚ ଟିପ୍ପଣୀ (ଇଚ୍ଛାଧୀନ)",
    "officer.verify.submit": "ଯାଞ୍ଚ କରନ୍ତୁ",
    "officer.approve.title": "ଅନୁମୋଦନ",
    "officer.approve.note": "ଅନୁମୋଦନ ଟିପ୍ପଣୀ (ଇଚ୍ଛାଧୀନ)",
    "officer.approve.submit": "ଅନୁମୋଦନ କରନ୍ତୁ",
    "officer.complete.title": "ଫାଇଲ ବନ୍ଦ କରନ୍ତୁ",
    "officer.complete.hint": "ସେବା ପ୍ରଦାନ କରାଗଲା, କିମ୍ବା ପ୍ରତ୍ୟାଖ୍ୟାନ ପଠାଗଲା।",
    "officer.complete.note": "ସମାପନ ଟିପ୍ପଣୀ (ଇଚ୍ଛାଧୀନ)",
    "officer.complete.submit": "ସମ୍ପୂର୍ଣ୍ଣ କରନ୍ତୁ",
    "officer.ask_applicant.title": "ଆବେଦନକାରୀଙ୍କୁ ପଚାରନ୍ତୁ",
    "officer.ask_applicant.note": "ଆବେଦନକାରୀଙ୍କୁ କ'ଣ ଦେବାକୁ ହେବ",
    "officer.ask_applicant.fields": "ସଂଶୋଧନ କରିବାକୁ ଥିବା ବିବରଣୀ (ଇଚ୍ଛାଧୀନ)",
    "officer.ask_applicant.documents": "ଅପଲୋଡ୍ କରିବାକୁ ଥିବା ଦସ୍ତାବିଜ (ଇଚ୍ଛାଧୀନ)",
    "officer.ask_applicant.hint": "ଉତ୍ତର ନ ଆସିବା ପର୍ଯ୍ୟନ୍ତ ସମୟସୀମା ସ୍ଥଗିତ ରହେ।",
    "officer.ask_applicant.submit": "ଆବେଦନକାରୀଙ୍କୁ ପଚାରନ୍ତୁ",
    "officer.reject_application.note": "ପ୍ରତ୍ୟାଖ୍ୟାନର କାରଣ (ଆବେଦନକାରୀ ଏହା ଦେଖିବେ)",
    "officer.comment_application.note": "ଟିପ୍ପଣୀ (କେବଳ କର୍ମଚାରୀଙ୍କ ପାଇଁ; ଆବେଦନକାରୀ ଏହା କେବେ ଦେଖିବେ ନାହିଁ)",
    "officer.status.registered": "ପଞ୍ଜୀକୃତ",
    "officer.status.assigned": "ଦାୟିତ୍ୱ ଦିଆଯାଇଛି",
    "officer.status.in_progress": "କାର୍ଯ୍ୟ ଚାଲିଛି",
    "officer.status.info_requested": "ନାଗରିକଙ୍କ ଉତ୍ତର ଅପେକ୍ଷାରେ",
    "officer.status.resolved": "ସମାଧାନ ହୋଇଛି",
    "officer.status.closed": "ବନ୍ଦ",
    "officer.status.rejected": "ପ୍ରତ୍ୟାଖ୍ୟାତ",
    "officer.status.submitted": "ଦାଖଲ ହୋଇଛି",
    "officer.status.under_verification": "ଯାଞ୍ଚାଧୀନ",
    "officer.status.processing": "ପ୍ରକ୍ରିୟାଧୀନ",
    "officer.status.approved": "ଅନୁମୋଦିତ",
    "officer.status.completed": "ସମ୍ପୂର୍ଣ୍ଣ",
    "officer.role.citizen": "ନାଗରିକ",
    "officer.role.officer": "ଅଧିକାରୀ",
    "officer.role.supervisor": "ତଦାରଖକାରୀ",
    "officer.role.department_head": "ବିଭାଗୀୟ ମୁଖ୍ୟ",
    "officer.role.state_admin": "ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ",
    "officer.role.system": "ସିଷ୍ଟମ",
    "officer.role.channel": "କୌଣସି ଏକ ମାଧ୍ୟମ",
    "officer.event.filed": "ଦାଖଲ ହେଲା",
    "officer.event.assigned": "ଦାୟିତ୍ୱ ଦିଆଗଲା",
    "officer.event.accepted": "ଗ୍ରହଣ କରାଗଲା",
    "officer.event.commented": "ଟିପ୍ପଣୀ ଯୋଡ଼ାଗଲା",
    "officer.event.info_requested": "ସୂଚନା ମଗାଗଲା",
    "officer.event.info_provided": "ସୂଚନା ଦିଆଗଲା",
    "officer.event.transferred": "ସ୍ଥାନାନ୍ତରିତ",
    "officer.event.reassigned": "ପୁନଃ ନ୍ୟସ୍ତ କରାଗଲା",
    "officer.event.handed_over": "ହସ୍ତାନ୍ତରିତ",
    "officer.event.resolved": "ସମାଧାନ ହେଲା",
    "officer.event.rejected": "ପ୍ରତ୍ୟାଖ୍ୟାତ",
    "officer.event.closed": "ବନ୍ଦ ହେଲା",
    "officer.event.reopened": "ପୁନର୍ବାର ଖୋଲାଗଲା",
    "officer.event.appealed": "ଅପିଲ କରାଗଲା",
    "officer.event.escalated": "ଉଚ୍ଚ ସ୍ତରକୁ ପଠାଗଲା",
    "officer.event.sla_warning": "ସମୟସୀମା ସତର୍କତା",
    "officer.event.sla_breached": "ସମୟସୀମା ଅତିକ୍ରାନ୍ତ ହେଲା",
    "officer.event.supported": "ଆଉ ଜଣେ ନାଗରିକ କହିଲେ “ମୋର ବି ଏହି ସମସ୍ୟା”",
    "officer.event.citizen_wrote": "ନାଗରିକ ଲେଖିଲେ",
    "officer.event.linked_to_account": "ନାଗରିକଙ୍କ ଆକାଉଣ୍ଟ ସହ ଯୋଡ଼ାଗଲା",
    "officer.event.personal_data_erased": "ବ୍ୟକ୍ତିଗତ ତଥ୍ୟ ଲିଭାଇ ଦିଆଗଲା",
    "officer.event.submitted": "ଦାଖଲ କରାଗଲା",
    "officer.event.verification_started": "ଯାଞ୍ଚ ଆରମ୍ଭ ହେଲା",
    "officer.event.verified": "ଯାଞ୍ଚ ହେଲା",
    "officer.event.approved": "ଅନୁମୋଦିତ",
    "officer.event.completed": "ସମ୍ପୂର୍ଣ୍ଣ",
  },
};

const STAFF = ["officer", "supervisor", "department_head", "state_admin"];
// The escalation ladder: a role reaches the levels up to its own index.
const LADDER = STAFF;
const MANAGERS = ["supervisor", "department_head", "state_admin"];

// The officer moves each state allows (domain/grievance.py ALLOWED), most decisive first.
const GRIEVANCE_MOVES = {
  registered: ["reject", "comment"],
  assigned: ["accept", "resolve", "request_info", "transfer", "reassign", "reject", "comment"],
  in_progress: ["resolve", "request_info", "transfer", "reassign", "reject", "comment"],
  info_requested: ["reassign", "reject", "comment"],
  resolved: ["comment"],
  closed: ["comment"],
  rejected: ["comment"],
};

// The staff moves of each stage (domain/application.py ALLOWED).
const APPLICATION_MOVES = {
  submitted: ["start_verification", "comment"],
  under_verification: ["verify", "request_info", "reject", "comment"],
  processing: ["approve", "request_info", "reject", "comment"],
  info_requested: ["reject", "comment"],
  approved: ["complete", "comment"],
  rejected: ["complete", "comment"],
  completed: ["comment"],
};

export function navigation(who) {
  return who && STAFF.includes(who.role)
    ? [["#/queue", t("officer.nav.queue")], ["#/desk/applications", t("officer.nav.applications")]]
    : [];
}

function requireStaff() {
  const who = session();
  if (!who) {
    location.hash = "#/login";
    throw new ApiError(401, { error: { message: t("login.title") } });
  }
  if (!STAFF.includes(who.role)) throw new ApiError(403, { error: { message: t("officer.staff_only") } });
  return who;
}

// A word for a code the API sends (a state, a role, an event); an unknown one is shown as it came.
function word(prefix, code) {
  const key = `officer.${prefix}.${code}`;
  const text = t(key);
  return text === key ? String(code).replace(/_/g, " ") : text;
}

function badge(status) {
  return el("span", { class: "badge", text: word("status", status) });
}

function overdueBadge() {
  return el("strong", { class: "badge overdue", text: t("officer.overdue") });
}

function statusWithOverdue(item) {
  return item.overdue ? [badge(item.status), " ", overdueBadge()] : [badge(item.status)];
}

// What a page shows, without the parts it left out (replaceChildren would print "null").
function present(...parts) {
  return parts.flat().filter((part) => part !== null && part !== undefined && part !== false);
}

function dueText(item) {
  if (!item.due_at) return "";
  return t(item.overdue ? "officer.was_due" : "officer.due", { when: when(item.due_at) });
}

const names = new Map();

// Code → name in the reader's language, for the catalogue lists (read once per language).
async function namesOf(path, key) {
  const url = withLanguage(path);
  if (!names.has(url)) {
    names.set(
      url,
      get(url, { auth: false }).then((body) => new Map(body[key].map((item) => [item.code, item.name || item.code]))),
    );
  }
  try {
    return await names.get(url);
  } catch (error) {
    names.delete(url);
    throw error;
  }
}

const services = new Map();

// A service's names, form and document slots; without them (offline) its code stands in.
async function serviceOf(code) {
  const url = withLanguage(`/services/${encodeURIComponent(code)}`);
  if (!services.has(url)) services.set(url, get(url, { auth: false }));
  try {
    return await services.get(url);
  } catch {
    services.delete(url);
    return { code, name: code, form: {}, documents: [] };
  }
}

// Most urgent first: overdue, then the nearest deadline; those waiting on the citizen (no
// deadline) last; the more supported first among equals.
function byUrgency(a, b) {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  if (a.due_at !== b.due_at) {
    if (!a.due_at) return 1;
    if (!b.due_at) return -1;
    return new Date(a.due_at) - new Date(b.due_at);
  }
  return (b.priority || 0) - (a.priority || 0);
}

function levelText(level) {
  return t("officer.level", { level, role: word("role", LADDER[Math.min(level, LADDER.length - 1)]) });
}

function grievanceCard(g, categories, districts, extra = {}) {
  return el(
    "li",
    { class: ["card", g.overdue ? "overdue" : "", extra.class || ""].filter(Boolean).join(" ") },
    el("a", { href: `#/desk/grievances/${encodeURIComponent(g.tracking_id)}`, text: g.tracking_id }),
    " ",
    badge(g.status),
    g.overdue ? [" ", overdueBadge()] : null,
    g.escalation_level ? [" ", el("span", { class: "badge", text: levelText(g.escalation_level) })] : null,
    extra.lead || null,
    el(
      "div",
      { class: "hint" },
      [g.category ? categories.get(g.category) || g.category : t("officer.uncategorised"), districts.get(g.district) || g.district, dueText(g)].filter(Boolean).join(" · "),
    ),
    g.description ? el("div", { text: g.description.length > 140 ? `${g.description.slice(0, 140)}…` : g.description }) : null,
  );
}

function riskLine(risk) {
  const hours = Math.abs(risk.hours_left);
  return el(
    "div",
    {},
    el("strong", { text: t("officer.risk.chance", { chance: Math.round(risk.chance * 100) }) }),
    ` · ${t(risk.hours_left < 0 ? "officer.risk.late" : "officer.risk.left", { hours })} · ${t("officer.risk.load", { load: risk.owner_load })}`,
    risk.reason ? el("div", { class: "hint", text: risk.reason }) : null,
  );
}

async function queuePage({ show }) {
  const who = requireStaff();
  const manager = MANAGERS.includes(who.role);
  const [mine, atRisk, categories, districts] = await Promise.all([
    get("/officer/grievances?limit=50"),
    manager ? get("/staff/grievances?at_risk=true&limit=20") : null,
    namesOf("/categories", "categories"),
    namesOf("/districts", "districts"),
  ]);
  const queue = [...mine.grievances].sort(byUrgency);
  const sections = [
    queue.length ? el("ul", { class: "queue" }, queue.map((g) => grievanceCard(g, categories, districts))) : el("p", { text: t("officer.queue.none") }),
  ];
  if (atRisk) {
    sections.push(
      el("h2", { text: t("officer.queue.at_risk") }),
      el("p", { class: "hint", text: t("officer.queue.at_risk.hint") }),
      atRisk.grievances.length
        ? el("ol", { class: "at-risk-list" }, atRisk.grievances.map((g) => grievanceCard(g, categories, districts, { class: "at-risk", lead: g.risk ? riskLine(g.risk) : null })))
        : el("p", { text: t("officer.queue.at_risk.none") }),
    );
  }
  show(t("officer.queue.title"), ...sections);
}

function facts(rows) {
  return el(
    "dl",
    { class: "facts" },
    rows.filter(([, value]) => value !== null && value !== undefined && value !== "").flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)]),
  );
}

function historyList(entries) {
  return el(
    "ol",
    { class: "timeline" },
    entries.map((entry) => {
      const details = entry.details || {};
      const where = details.to_department
        ? t("officer.history.department", { department: details.to_department })
        : details.officer_id || details.to_officer
          ? t("officer.history.officer", { officer: details.officer_id || details.to_officer })
          : "";
      const moved = entry.from_state && entry.to_state && entry.from_state !== entry.to_state ? ` (${word("status", entry.from_state)} → ${word("status", entry.to_state)})` : "";
      return el(
        "li",
        { class: entry.internal ? "internal" : null },
        entry.internal ? [el("strong", { class: "badge", text: t("officer.internal") }), " "] : null,
        `${when(entry.at)} — ${word("event", String(entry.event).replace(/^application_/, ""))}${moved} ${t("officer.history.by", { role: word("role", entry.actor_role) })}`,
        where ? el("div", { class: "hint", text: where }) : null,
        entry.note ? el("div", { class: "note", text: entry.note }) : null,
      );
    }),
  );
}

// One staff move: post it, then show the case as it now is. A 409 means someone else moved
// it first (or its state changed): the fresh case is shown along with the refusal. A case
// the caller can no longer see (transferred away) sends them back to their queue.
function move(name, fields, body, { path, rerender, hint }) {
  const moveForm = form(fields, t(`officer.${name}.submit`), async (values) => {
    try {
      await post(path, body(values));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) await rerender().catch(() => {});
      throw error;
    }
    try {
      await rerender();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      location.hash = "#/queue";
    }
    say(t("officer.saved"));
  });
  return el("section", { class: `card move move-${name}` }, el("h3", { text: t(`officer.${name}.title`) }), hint ? el("p", { class: "hint", text: hint }) : null, moveForm);
}

async function officerChoice(who, g) {
  // Officers may not list colleagues (nor reassign); a manager whose list is refused types the id.
  if (MANAGERS.includes(who.role) && g.department) {
    try {
      const found = await get(`/officers?department=${encodeURIComponent(g.department)}`);
      const fit = found.officers.filter(
        (o) => o.active && o.officer_id !== g.assigned_to && LADDER.indexOf(o.role) >= g.escalation_level && (!o.department || o.department === g.department),
      );
      return field(
        t("officer.reassign.officer"),
        el("select", { name: "officer_id", required: true }, el("option", { value: "", text: t("officer.choose") }), fit.map((o) => el("option", { value: o.officer_id, text: `${o.name} (${word("role", o.role)}${o.district ? `, ${o.district}` : ""})` }))),
      );
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 403)) throw error;
    }
  }
  return field(t("officer.reassign.officer_id"), el("input", { name: "officer_id", required: true, autocomplete: "off" }));
}

function note(labelKey, required = true) {
  return field(t(labelKey), el("textarea", { name: "note", required, maxlength: 2000 }));
}

async function grievanceMoves(who, g, departments, rerender) {
  const path = `/grievances/${encodeURIComponent(g.tracking_id)}/actions`;
  const options = { path, rerender };
  // Beyond a note, a case is moved only from the level it has reached or above; reassigning
  // needs a supervisor or above (domain/access.py).
  const reaches = LADDER.indexOf(who.role) >= (g.escalation_level || 0);
  const allowed = (GRIEVANCE_MOVES[g.status] || []).filter((name) => name === "comment" || (reaches && (name !== "reassign" || MANAGERS.includes(who.role))));
  const withNote = (action) => (values) => ({ action, note: values.note });
  const forms = [];
  for (const name of allowed) {
    if (name === "accept") forms.push(move("accept", [], () => ({ action: "accept" }), { ...options, hint: t("officer.accept.hint") }));
    if (name === "resolve") forms.push(move("resolve", note("officer.resolve.note"), withNote("resolve"), options));
    if (name === "request_info") forms.push(move("request_info", note("officer.request_info.note"), withNote("request_info"), { ...options, hint: t("officer.request_info.hint") }));
    if (name === "transfer") {
      const choices = [...departments].filter(([code]) => code !== g.department).map(([code, text]) => el("option", { value: code, text }));
      // Nothing chosen until the officer chooses: a transfer sent by mistake is not undone by a click.
      choices.unshift(el("option", { value: "", text: t("officer.choose") }));
      forms.push(
        move(
          "transfer",
          [...field(t("officer.transfer.department"), el("select", { name: "department", required: true }, choices)), ...note("officer.transfer.note")],
          (values) => ({ action: "transfer", department: values.department || undefined, note: values.note }),
          options,
        ),
      );
    }
    if (name === "reassign") forms.push(move("reassign", await officerChoice(who, g), (values) => ({ action: "reassign", officer_id: (values.officer_id || "").trim() }), options));
    if (name === "reject") forms.push(move("reject", note("officer.reject.note"), withNote("reject"), options));
    if (name === "comment") forms.push(move("comment", note("officer.comment.note"), withNote("comment"), options));
  }
  const limited = allowed.length === 1 && allowed[0] === "comment" && (GRIEVANCE_MOVES[g.status] || []).length > 1;
  return present(el("h2", { text: t("officer.moves") }), limited ? el("p", { class: "hint", text: t("officer.moves.none") }) : null, forms);
}

async function grievancePage({ id, show }) {
  const who = requireStaff();
  const base = `/grievances/${encodeURIComponent(id)}`;
  const [g, trail, categories, departments, districts] = await Promise.all([
    get(base),
    get(`${base}/history`),
    namesOf("/categories", "categories"),
    namesOf("/departments", "departments"),
    namesOf("/districts", "districts"),
  ]);
  const rerender = () => grievancePage({ id, show });
  const moves = await grievanceMoves(who, g, departments, rerender);
  show(
    t("officer.grievance.title", { id: g.tracking_id }),
    ...present(
      facts([
        [t("officer.facts.status"), statusWithOverdue(g)],
        [t("officer.facts.category"), g.category ? categories.get(g.category) || g.category : t("officer.uncategorised")],
        [t("officer.facts.department"), g.department ? departments.get(g.department) || g.department : null],
        [t("officer.facts.district"), districts.get(g.district) || g.district],
        [t("officer.facts.ward"), g.location && g.location.ward],
        [t("officer.facts.filed"), when(g.filed_at)],
        [t("officer.facts.due"), g.due_at ? when(g.due_at) : null],
        [t("officer.facts.level"), levelText(g.escalation_level || 0)],
        [t("officer.facts.assigned_to"), g.assigned_to || t("officer.nobody")],
        [t("officer.facts.channel"), g.channel],
        [t("officer.facts.transfers"), g.transfers ? String(g.transfers) : null],
        [t("officer.facts.supporters"), g.supporters ? String(g.supporters) : null],
      ]),
      el("h2", { text: t("officer.description") }),
      el("p", { class: "description", text: g.description }),
      ...moves,
      el("h2", { text: t("officer.history") }),
      trail.chain_intact === false ? el("p", { class: "error", text: t("officer.history.broken") }) : null,
      historyList(trail.events),
    ),
  );
}

async function applicationsPage({ show }) {
  requireStaff();
  const [page, districts] = await Promise.all([get("/officer/applications?limit=50"), namesOf("/districts", "districts")]);
  const desk = [...page.applications].sort(byUrgency);
  const named = await Promise.all(desk.map((a) => serviceOf(a.service_code)));
  const list = desk.length
    ? el(
        "ul",
        { class: "queue" },
        desk.map((a, i) =>
          el(
            "li",
            { class: a.overdue ? "card overdue" : "card" },
            el("a", { href: `#/desk/applications/${encodeURIComponent(a.tracking_id)}`, text: a.tracking_id }),
            " ",
            badge(a.status),
            a.overdue ? [" ", overdueBadge()] : null,
            el("div", { class: "hint", text: [named[i].name || a.service_code, districts.get(a.district) || a.district, dueText(a)].filter(Boolean).join(" · ") }),
          ),
        ),
      )
    : el("p", { text: t("officer.applications.none") });
  show(t("officer.applications.title"), list);
}

// A field's title from the service's JSON Schema form, in the reader's language.
function fieldTitle(service, name) {
  const property = ((service.form || {}).properties || {})[name] || {};
  return property[`x-title-${language()}`] || property.title || name;
}

function shown(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function documentList(a, service) {
  if (!a.documents.length) return el("p", { text: t("officer.application.documents.none") });
  const slotName = (slot) => (service.documents || []).find((d) => d.slot === slot)?.name || slot;
  return el(
    "ul",
    {},
    a.documents.map((d) => {
      const open = el("button", { type: "button", class: "secondary", text: t("officer.application.document.open", { name: slotName(d.slot) }) });
      // The link lasts minutes: asked for at the click, not when the page was drawn.
      open.addEventListener("click", async () => {
        try {
          const link = await get(`/applications/${encodeURIComponent(a.tracking_id)}/documents/${encodeURIComponent(d.slot)}`);
          window.open(link.url, "_blank", "noopener");
        } catch (error) {
          say(error.message || String(error), "error");
        }
      });
      return el("li", {}, `${slotName(d.slot)} — ${d.content_type}, ${Math.ceil(d.size / 1024)} KB `, open);
    }),
  );
}

function multiple(labelKey, name, options) {
  const select = el("select", { name, multiple: true, size: Math.min(Math.max(options.length, 2), 6) }, options.map(([value, text]) => el("option", { value, text })));
  return { select, fields: field(t(labelKey), select) };
}

function applicationMoves(a, service, rerender) {
  const path = `/applications/${encodeURIComponent(a.tracking_id)}/actions`;
  const options = { path, rerender };
  const optional = (action) => (values) => (values.note && values.note.trim() ? { action, note: values.note } : { action });
  const forms = [];
  for (const name of APPLICATION_MOVES[a.status] || []) {
    if (name === "start_verification") forms.push(move(name, [], () => ({ action: name }), options));
    if (name === "verify" || name === "approve" || name === "complete") {
      forms.push(move(name, note(`officer.${name}.note`, false), optional(name), { ...options, hint: name === "complete" ? t("officer.complete.hint") : null }));
    }
    if (name === "request_info") {
      const asked = multiple("officer.ask_applicant.fields", "fields", Object.keys((service.form || {}).properties || {}).map((key) => [key, fieldTitle(service, key)]));
      const slots = multiple("officer.ask_applicant.documents", "documents", (service.documents || []).map((d) => [d.slot, d.name || d.slot]));
      const chosen = (select) => [...select.selectedOptions].map((option) => option.value);
      forms.push(
        move(
          "ask_applicant",
          [...note("officer.ask_applicant.note"), ...asked.fields, ...slots.fields],
          (values) => ({ action: "request_info", note: values.note, request: { fields: chosen(asked.select), documents: chosen(slots.select) } }),
          { ...options, hint: t("officer.ask_applicant.hint") },
        ),
      );
    }
    if (name === "reject") forms.push(move("reject", note("officer.reject_application.note"), (values) => ({ action: "reject", note: values.note }), options));
    if (name === "comment") forms.push(move("comment", note("officer.comment_application.note"), (values) => ({ action: "comment", note: values.note }), options));
  }
  return [el("h2", { text: t("officer.moves") }), ...forms];
}

async function applicationPage({ id, show }) {
  requireStaff();
  const [a, districts] = await Promise.all([get(`/applications/${encodeURIComponent(id)}`), namesOf("/districts", "districts")]);
  const service = await serviceOf(a.service_code);
  const rerender = () => applicationPage({ id, show });
  const waiting = a.expected_next && a.expected_next.by ? t(`officer.next.${a.expected_next.by === "citizen" ? "citizen" : "department"}`) : t("officer.next.nobody");
  const asked = a.info_requested;
  show(
    t("officer.application.title", { id: a.tracking_id }),
    ...present(
      facts([
        [t("officer.facts.status"), statusWithOverdue(a)],
        [t("officer.facts.service"), service.name || a.service_code],
        [t("officer.facts.district"), districts.get(a.district) || a.district],
        [t("officer.facts.filed"), when(a.filed_at)],
        [t("officer.facts.due"), a.due_at ? when(a.due_at) : null],
        [t("officer.facts.next"), waiting],
        [t("officer.facts.assigned_to"), a.assigned_to || t("officer.nobody")],
      ]),
      asked
        ? el(
            "div",
            { class: "card" },
            el("p", { text: t("officer.application.asked", { note: asked.note }) }),
            asked.fields.length || asked.documents.length
              ? el("p", { class: "hint", text: t("officer.application.asked.items", { items: [...asked.fields.map((f) => fieldTitle(service, f)), ...asked.documents].join(", ") }) })
              : null,
          )
        : null,
      el("h2", { text: t("officer.application.fields") }),
      facts(Object.entries(a.fields || {}).map(([name, value]) => [fieldTitle(service, name), shown(value)])),
      el("h2", { text: t("officer.application.documents") }),
      documentList(a, service),
      ...applicationMoves(a, service, rerender),
      el("h2", { text: t("officer.history") }),
      a.chain_intact === false ? el("p", { class: "error", text: t("officer.history.broken") }) : null,
      historyList(a.timeline || []),
    ),
  );
}

// Staff given a temporary password by the state cell may do nothing else until they choose
// their own (the API answers 403 password_change_required).
function passwordPage({ show }) {
  requireStaff();
  show(
    t("officer.password.title"),
    el("p", { text: t("officer.password.why") }),
    form(
      [
        ...field(t("officer.password.current"), el("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true })),
        ...field(t("officer.password.new"), el("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true })),
      ],
      t("officer.password.submit"),
      async (values) => {
        await post("/me/password", { current_password: values.current_password, new_password: values.new_password });
        location.hash = "#/queue";
        say(t("officer.password.done"));
      },
    ),
  );
}

function untilPasswordChanged(page) {
  return async (context) => {
    try {
      await page(context);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "password_change_required")) throw error;
      location.hash = "#/desk/password";
    }
  };
}

export const routes = {
  "/queue": untilPasswordChanged(queuePage),
  "/desk/grievances/:id": untilPasswordChanged(grievancePage),
  "/desk/applications": untilPasswordChanged(applicationsPage),
  "/desk/applications/:id": untilPasswordChanged(applicationPage),
  "/desk/password": passwordPage,
};
