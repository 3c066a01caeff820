// The managers' pages: the dashboard of the reports (departments, districts, alerts, the CSV
// export), and for the state cell its staff (appoint, switch off and on) and its grievance
// categories (names and SLA hours).
import { ApiError, call, get, post, session, withLanguage } from "../api.js";
import { language, t } from "../i18n.js";
import { el, field, form, say } from "../ui.js";

export const STRINGS = {
  en: {
    "nav.dashboard": "Dashboard",
    "nav.staff": "Staff",
    "nav.catalogue": "Catalogue",
    "admin.only_managers": "This page is for supervisors, heads of department and the state grievance cell.",
    "admin.only_state_cell": "This page is for the state grievance cell.",
    "admin.none": "—",
    "admin.none.hint": "— : nothing to measure in the period.",
    "dash.title": "Dashboard",
    "dash.from": "From",
    "dash.to": "To",
    "dash.show": "Show",
    "dash.period": "{from} to {to}",
    "dash.departments": "Departments",
    "dash.state_cell": "State grievance cell",
    "dash.departments.caption": "Grievances by department, {period} (open and overdue: now)",
    "dash.districts": "Districts",
    "dash.districts.caption": "Grievances by district, {period}",
    "dash.alerts": "Alerts",
    "dash.alerts.period": "Alerts found {period}",
    "dash.alerts.none": "No alerts in this period.",
    "dash.alert.surge": "{day}: a surge of {category} in {district}: {recent} filed in {days} days where {expected} were expected ({ratio} times the usual rate).",
    "dash.alert.underserved": "{day}: few grievances from {district}: {filed} filed in {days} days where {expected} were expected ({per_100k} per 100,000 people; the rest of the state {state_per_100k}).",
    "dash.export": "Download as CSV",
    "dash.export.departments": "Departments, day by day (CSV)",
    "dash.export.districts": "Districts, day by day (CSV)",
    "dash.export.done": "Downloaded {file}.",
    "dash.chart": "Open and overdue grievances by department",
    "dash.chart.label": "Bar chart of the open and overdue grievances of each department; the same figures are in the departments table.",
    "dash.chart.bar": "{name}: {open} open, {overdue} overdue",
    "col.department": "Department",
    "col.district": "District",
    "col.open": "Open",
    "col.overdue": "Overdue",
    "col.received": "Received",
    "col.filed": "Filed",
    "col.resolved": "Resolved",
    "col.rejected": "Rejected",
    "col.sla": "Resolved on time (%)",
    "col.median": "Median hours to resolve",
    "col.rating": "Average rating (of 5)",
    "col.top_categories": "Most filed categories",
    "staff.title": "Staff",
    "staff.listed": "Staff by department",
    "staff.pick": "Show the staff of",
    "staff.department": "Department",
    "staff.show": "Show",
    "staff.caption": "Staff of {department}",
    "staff.none": "Nobody is posted to this department yet.",
    "staff.name": "Name",
    "staff.role": "Role",
    "staff.district": "District",
    "staff.mobile": "Mobile number",
    "staff.email": "Email",
    "staff.status": "Status",
    "staff.action": "Action",
    "staff.active": "Active",
    "staff.inactive": "Deactivated",
    "staff.deactivate": "Deactivate",
    "staff.deactivate.label": "Deactivate {name}",
    "staff.activate": "Activate",
    "staff.activate.label": "Activate {name}",
    "staff.deactivated": "{name} is deactivated; {count} open cases were handed over.",
    "staff.handover_incomplete": "Some of their cases are still on their desk: deactivate again to move them.",
    "staff.activated": "{name} is active again.",
    "staff.appoint": "Appoint a staff member",
    "staff.password": "Temporary password (they change it at first login)",
    "staff.language": "Language for their messages",
    "staff.no_department": "None (state grievance cell)",
    "staff.no_district": "None (the whole state or department)",
    "staff.appoint.submit": "Appoint",
    "staff.appointed": "{name} is appointed. Their password is temporary: they must change it when they first log in.",
    "role.officer": "Officer",
    "role.supervisor": "Supervisor",
    "role.department_head": "Head of department",
    "role.state_admin": "State grievance cell",
    "cat.title": "Grievance categories",
    "cat.department": "Department",
    "cat.pick": "Show the categories of",
    "cat.all": "All departments",
    "cat.show": "Show",
    "cat.caption": "Grievance categories and their deadlines",
    "cat.code": "Code",
    "cat.name_en": "Name in English",
    "cat.name_hi": "Name in Hindi",
    "cat.name_or": "Name in Odia",
    "cat.name_pa": "Name in Punjabi",
    "cat.sla_hours": "Hours to resolve",
    "cat.round_the_clock": "Counted",
    "cat.clock.always": "Round the clock",
    "cat.clock.office": "Office hours",
    "cat.edit.title": "Category {code}",
    "cat.edit.hint": "A new deadline applies to grievances routed from now on; deadlines already set stand.",
    "cat.edit.submit": "Save",
    "cat.edit.blocked": "This category cannot be saved here yet: the catalogue does not show its keywords, and saving without them would erase them.",
    "cat.saved": "{code} is saved.",
    "cat.missing": "There is no category {code}.",
  },
  hi: {
    "nav.dashboard": "डैशबोर्ड",
    "nav.staff": "कर्मचारी",
    "nav.catalogue": "सूची",
    "admin.only_managers": "यह पृष्ठ पर्यवेक्षकों, विभागाध्यक्षों और राज्य शिकायत प्रकोष्ठ के लिए है।",
    "admin.only_state_cell": "यह पृष्ठ राज्य शिकायत प्रकोष्ठ के लिए है।",
    "admin.none": "—",
    "admin.none.hint": "— : इस अवधि में मापने को कुछ नहीं।",
    "dash.title": "डैशबोर्ड",
    "dash.from": "से",
    "dash.to": "तक",
    "dash.show": "दिखाएँ",
    "dash.period": "{from} से {to} तक",
    "dash.departments": "विभाग",
    "dash.state_cell": "राज्य शिकायत प्रकोष्ठ",
    "dash.departments.caption": "विभाग के अनुसार शिकायतें, {period} (लंबित और समय-सीमा पार: अभी)",
    "dash.districts": "ज़िले",
    "dash.districts.caption": "ज़िले के अनुसार शिकायतें, {period}",
    "dash.alerts": "चेतावनियाँ",
    "dash.alerts.period": "चेतावनियाँ, {period}",
    "dash.alerts.none": "इस अवधि में कोई चेतावनी नहीं।",
    "dash.alert.surge": "{day}: {district} में {category} की शिकायतों में उछाल: {days} दिनों में {recent} दर्ज, जबकि {expected} अपेक्षित थीं (सामान्य दर का {ratio} गुना)।",
    "dash.alert.underserved": "{day}: {district} से बहुत कम शिकायतें: {days} दिनों में {filed} दर्ज, जबकि {expected} अपेक्षित थीं (प्रति 1,00,000 लोग {per_100k}; शेष राज्य में {state_per_100k})।",
    "dash.export": "CSV के रूप में डाउनलोड करें",
    "dash.export.departments": "विभाग, दिन-प्रतिदिन (CSV)",
    "dash.export.districts": "ज़िले, दिन-प्रतिदिन (CSV)",
    "dash.export.done": "{file} डाउनलोड हो गई।",
    "dash.chart": "विभाग के अनुसार लंबित और समय-सीमा पार शिकायतें",
    "dash.chart.label": "हर विभाग की लंबित और समय-सीमा पार शिकायतों का बार चार्ट; यही आँकड़े विभाग तालिका में हैं।",
    "dash.chart.bar": "{name}: {open} लंबित, {overdue} समय-सीमा पार",
    "col.department": "विभाग",
    "col.district": "ज़िला",
    "col.open": "लंबित",
    "col.overdue": "समय-सीमा पार",
    "col.received": "प्राप्त",
    "col.filed": "दर्ज",
    "col.resolved": "निराकृत",
    "col.rejected": "अस्वीकृत",
    "col.sla": "समय पर निराकृत (%)",
    "col.median": "निराकरण के माध्य घंटे",
    "col.rating": "औसत रेटिंग (5 में से)",
    "col.top_categories": "सबसे अधिक दर्ज श्रेणियाँ",
    "staff.title": "कर्मचारी",
    "staff.listed": "विभाग के अनुसार कर्मचारी",
    "staff.pick": "इस विभाग के कर्मचारी दिखाएँ",
    "staff.department": "विभाग",
    "staff.show": "दिखाएँ",
    "staff.caption": "{department} के कर्मचारी",
    "staff.none": "इस विभाग में अभी कोई तैनात नहीं है।",
    "staff.name": "नाम",
    "staff.role": "पद",
    "staff.district": "ज़िला",
    "staff.mobile": "मोबाइल नंबर",
    "staff.email": "ईमेल",
    "staff.status": "स्थिति",
    "staff.action": "कार्रवाई",
    "staff.active": "सक्रिय",
    "staff.inactive": "निष्क्रिय",
    "staff.deactivate": "निष्क्रिय करें",
    "staff.deactivate.label": "{name} को निष्क्रिय करें",
    "staff.activate": "सक्रिय करें",
    "staff.activate.label": "{name} को सक्रिय करें",
    "staff.deactivated": "{name} निष्क्रिय हो गए; {count} लंबित मामले सौंप दिए गए।",
    "staff.handover_incomplete": "उनके कुछ मामले अभी भी उनके पास हैं: उन्हें सौंपने के लिए फिर से निष्क्रिय करें।",
    "staff.activated": "{name} फिर से सक्रिय हैं।",
    "staff.appoint": "कर्मचारी नियुक्त करें",
    "staff.password": "अस्थायी पासवर्ड (पहले लॉग इन पर वे इसे बदलेंगे)",
    "staff.language": "उनके संदेशों की भाषा",
    "staff.no_department": "कोई नहीं (राज्य शिकायत प्रकोष्ठ)",
    "staff.no_district": "कोई नहीं (पूरा राज्य या विभाग)",
    "staff.appoint.submit": "नियुक्त करें",
    "staff.appointed": "{name} नियुक्त हो गए। उनका पासवर्ड अस्थायी है: पहले लॉग इन पर उन्हें इसे बदलना होगा।",
    "role.officer": "अधिकारी",
    "role.supervisor": "पर्यवेक्षक",
    "role.department_head": "विभागाध्यक्ष",
    "role.state_admin": "राज्य शिकायत प्रकोष्ठ",
    "cat.title": "शिकायत श्रेणियाँ",
    "cat.department": "विभाग",
    "cat.pick": "इस विभाग की श्रेणियाँ दिखाएँ",
    "cat.all": "सभी विभाग",
    "cat.show": "दिखाएँ",
    "cat.caption": "शिकायत श्रेणियाँ और उनकी समय-सीमा",
    "cat.code": "कोड",
    "cat.name_en": "अंग्रेज़ी में नाम",
    "cat.name_hi": "हिंदी में नाम",
    "cat.name_or": "ओड़िया में नाम",
    "cat.name_pa": "पंजाबी में नाम",
    "cat.sla_hours": "निराकरण के घंटे",
    "cat.round_the_clock": "गिनती",
    "cat.clock.always": "चौबीसों घंटे",
    "cat.clock.office": "कार्यालय समय",
    "cat.edit.title": "श्रेणी {code}",
    "cat.edit.hint": "नई समय-सीमा अब से भेजी जाने वाली शिकायतों पर लागू होगी; पहले से तय समय-सीमाएँ नहीं बदलेंगी।",
    "cat.edit.submit": "सहेजें",
    "cat.edit.blocked": "यह श्रेणी अभी यहाँ सहेजी नहीं जा सकती: सूची में इसके कीवर्ड नहीं दिखते, और उनके बिना सहेजने से वे मिट जाएँगे।",
    "cat.saved": "{code} सहेजी गई।",
    "cat.missing": "{code} नाम की कोई श्रेणी नहीं है।",
  },
  or: {
    "nav.dashboard": "ଡ୍ୟାସବୋର୍ଡ",
    "nav.staff": "କର୍ମଚାରୀ",
    "nav.catalogue": "ସୂଚୀ",
    "admin.only_managers": "ଏହି ପୃଷ୍ଠା ତଦାରଖକାରୀ, ବିଭାଗୀୟ ମୁଖ୍ୟ ଓ ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ ପାଇଁ।",
    "admin.only_state_cell": "ଏହି ପୃଷ୍ଠା ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ ପାଇଁ।",
    "admin.none": "—",
    "admin.none.hint": "— : ଏହି ଅବଧିରେ ମାପିବାକୁ କିଛି ନାହିଁ।",
    "dash.title": "ଡ୍ୟାସବୋର୍ଡ",
    "dash.from": "ଠାରୁ",
    "dash.to": "ପର୍ଯ୍ୟନ୍ତ",
    "dash.show": "ଦେଖାନ୍ତୁ",
    "dash.period": "{from} ଠାରୁ {to} ପର୍ଯ୍ୟନ୍ତ",
    "dash.departments": "ବିଭାଗ",
    "dash.state_cell": "ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ",
    "dash.departments.caption": "ବିଭାଗ ଅନୁସାରେ ଅଭିଯୋଗ, {period} (ବିଚାରାଧୀନ ଓ ସମୟସୀମା ଅତିକ୍ରାନ୍ତ: ବର୍ତ୍ତମାନ)",
    "dash.districts": "ଜିଲ୍ଲା",
    "dash.districts.caption": "ଜିଲ୍ଲା ଅନୁସାରେ ଅଭିଯୋଗ, {period}",
    "dash.alerts": "ସତର୍କତା",
    "dash.alerts.period": "ସତର୍କତା, {period}",
    "dash.alerts.none": "ଏହି ଅବଧିରେ କୌଣସି ସତର୍କତା ନାହିଁ।",
    "dash.alert.surge": "{day}: {district} ଜିଲ୍ଲାରେ {category} ସମ୍ବନ୍ଧୀୟ ଅଭିଯୋଗରେ ହଠାତ୍ ବୃଦ୍ଧି: {days} ଦିନରେ {recent}ଟି ଦାଖଲ, ଅଥଚ {expected}ଟି ଆଶା କରାଯାଇଥିଲା (ସାଧାରଣ ହାରର {ratio} ଗୁଣ)।",
    "dash.alert.underserved": "{day}: {district} ଜିଲ୍ଲାରୁ ବହୁତ କମ୍ ଅଭିଯୋଗ: {days} ଦିନରେ {filed}ଟି ଦାଖଲ, ଅଥଚ {expected}ଟି ଆଶା କରାଯାଇଥିଲା (ପ୍ରତି 1,00,000 ଲୋକରେ {per_100k}; ରାଜ୍ୟର ଅବଶିଷ୍ଟ ଅଂଶରେ {state_per_100k})।",
    "dash.export": "CSV ଭାବରେ ଡାଉନଲୋଡ୍ କରନ୍ତୁ",
    "dash.export.departments": "ବିଭାଗ, ଦିନକୁ ଦିନ (CSV)",
    "dash.export.districts": "ଜିଲ୍ଲା, ଦିନକୁ ଦିନ (CSV)",
    "dash.export.done": "{file} ଡାଉନଲୋଡ୍ ହୋଇଗଲା।",
    "dash.chart": "ବିଭାଗ ଅନୁସାରେ ବିଚାରାଧୀନ ଓ ସମୟସୀମା ଅତିକ୍ରାନ୍ତ ଅଭିଯୋଗ",
    "dash.chart.label": "ପ୍ରତ୍ୟେକ ବିଭାଗର ବିଚାରାଧୀନ ଓ ସମୟସୀମା ଅତିକ୍ରାନ୍ତ ଅଭିଯୋଗର ବାର୍ ଚାର୍ଟ; ସେହି ସମାନ ସଂଖ୍ୟା ବିଭାଗ ସାରଣୀରେ ଅଛି।",
    "dash.chart.bar": "{name}: {open} ବିଚାରାଧୀନ, {overdue} ସମୟସୀମା ଅତିକ୍ରାନ୍ତ",
    "col.department": "ବିଭାଗ",
    "col.district": "ଜିଲ୍ଲା",
    "col.open": "ବିଚାରାଧୀନ",
    "col.overdue": "ସମୟସୀମା ଅତିକ୍ରାନ୍ତ",
    "col.received": "ପ୍ରାପ୍ତ",
    "col.filed": "ଦାଖଲ",
    "col.resolved": "ସମାଧାନ",
    "col.rejected": "ପ୍ରତ୍ୟାଖ୍ୟାତ",
    "col.sla": "ସମୟ ମଧ୍ୟରେ ସମାଧାନ (%)",
    "col.median": "ସମାଧାନର ମଧ୍ୟମା ଘଣ୍ଟା",
    "col.rating": "ହାରାହାରି ମୂଲ୍ୟାୟନ (5 ମଧ୍ୟରୁ)",
    "col.top_categories": "ସର୍ବାଧିକ ଦାଖଲ ହୋଇଥିବା ବର୍ଗ",
    "staff.title": "କର୍ମଚାରୀ",
    "staff.listed": "ବିଭାଗ ଅନୁସାରେ କର୍ମଚାରୀ",
    "staff.pick": "ଏହି ବିଭାଗର କର୍ମଚାରୀ ଦେଖାନ୍ତୁ",
    "staff.department": "ବିଭାଗ",
    "staff.show": "ଦେଖାନ୍ତୁ",
    "staff.caption": "{department}ର କର୍ମଚାରୀ",
    "staff.none": "ଏହି ବିଭାଗରେ ଏପର୍ଯ୍ୟନ୍ତ କେହି ନିଯୁକ୍ତ ନାହାନ୍ତି।",
    "staff.name": "ନାମ",
    "staff.role": "ପଦବୀ",
    "staff.district": "ଜିଲ୍ଲା",
    "staff.mobile": "ମୋବାଇଲ୍ ନମ୍ବର",
    "staff.email": "ଇମେଲ୍",
    "staff.status": "ସ୍ଥିତି",
    "staff.action": "କାର୍ଯ୍ୟ",
    "staff.active": "ସକ୍ରିୟ",
    "staff.inactive": "ନିଷ୍କ୍ରିୟ",
    "staff.deactivate": "ନିଷ୍କ୍ରିୟ କରନ୍ତୁ",
    "staff.deactivate.label": "{name}ଙ୍କୁ ନିଷ୍କ୍ରିୟ କରନ୍ତୁ",
    "staff.activate": "ସକ୍ରିୟ କରନ୍ତୁ",
    "staff.activate.label": "{name}ଙ୍କୁ ସକ୍ରିୟ କରନ୍ତୁ",
    "staff.deactivated": "{name} ନିଷ୍କ୍ରିୟ ହେଲେ; {count}ଟି ବିଚାରାଧୀନ ମାମଲା ହସ୍ତାନ୍ତର କରାଗଲା।",
    "staff.handover_incomplete": "ତାଙ୍କର କିଛି ମାମଲା ଏବେବି ତାଙ୍କ ପାଖରେ ଅଛି: ସେଗୁଡ଼ିକୁ ହସ୍ତାନ୍ତର କରିବା ପାଇଁ ପୁଣି ନିଷ୍କ୍ରିୟ କରନ୍ତୁ।",
    "staff.activated": "{name} ପୁଣି ସକ୍ରିୟ ହେଲେ।",
    "staff.appoint": "କର୍ମଚାରୀ ନିଯୁକ୍ତ କରନ୍ତୁ",
    "staff.password": "ଅସ୍ଥାୟୀ ପାସୱାର୍ଡ (ପ୍ରଥମ ଲଗ୍ ଇନ୍ ସମୟରେ ସେମାନେ ଏହାକୁ ବଦଳାଇବେ)",
    "staff.language": "ସେମାନଙ୍କ ବାର୍ତ୍ତାର ଭାଷା",
    "staff.no_department": "କିଛି ନାହିଁ (ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ)",
    "staff.no_district": "କିଛି ନାହିଁ (ସମଗ୍ର ରାଜ୍ୟ ବା ବିଭାଗ)",
    "staff.appoint.submit": "ନିଯୁକ୍ତ କରନ୍ତୁ",
    "staff.appointed": "{name} ନିଯୁକ୍ତ ହେଲେ। ତାଙ୍କ ପାସୱାର୍ଡ ଅସ୍ଥାୟୀ: ପ୍ରଥମ ଥର ଲଗ୍ ଇନ୍ କଲାବେଳେ ସେମାନଙ୍କୁ ଏହାକୁ ବଦଳାଇବାକୁ ହେବ।",
    "role.officer": "ଅଧିକାରୀ",
    "role.supervisor": "ତଦାରଖକାରୀ",
    "role.department_head": "ବିଭାଗୀୟ ମୁଖ୍ୟ",
    "role.state_admin": "ରାଜ୍ୟ ଅଭିଯୋଗ ସେଲ",
    "cat.title": "ଅଭିଯୋଗ ବର୍ଗ",
    "cat.department": "ବିଭାଗ",
    "cat.pick": "ଏହି ବିଭାଗର ବର୍ଗ ଦେଖାନ୍ତୁ",
    "cat.all": "ସମସ୍ତ ବିଭାଗ",
    "cat.show": "ଦେଖାନ୍ତୁ",
    "cat.caption": "ଅଭିଯୋଗ ବର୍ଗ ଓ ସେଗୁଡ଼ିକର ସମୟସୀମା",
    "cat.code": "କୋଡ୍",
    "cat.name_en": "ଇଂରାଜୀରେ ନାମ",
    "cat.name_hi": "ହିନ୍ଦୀରେ ନାମ",
    "cat.name_or": "ଓଡ଼ିଆରେ ନାମ",
    "cat.name_pa": "ପଞ୍ଜାବୀରେ ନାମ",
    "cat.sla_hours": "ସମାଧାନ ପାଇଁ ଘଣ୍ଟା",
    "cat.round_the_clock": "ଘଣ୍ଟା ଗଣନା",
    "cat.clock.always": "ଚବିଶ ଘଣ୍ଟା",
    "cat.clock.office": "କାର୍ଯ୍ୟାଳୟ ସମୟ",
    "cat.edit.title": "ବର୍ଗ {code}",
    "cat.edit.hint": "ନୂଆ ସମୟସୀମା ଏବେଠାରୁ ପଠାଯାଉଥିବା ଅଭିଯୋଗ ଉପରେ ଲାଗୁ ହେବ; ପୂର୍ବରୁ ସ୍ଥିର ହୋଇଥିବା ସମୟସୀମା ବଦଳିବ ନାହିଁ।",
    "cat.edit.submit": "ସଂରକ୍ଷଣ କରନ୍ତୁ",
    "cat.edit.blocked": "ଏହି ବର୍ଗକୁ ଏଠାରେ ଏବେ ସଂରକ୍ଷଣ କରାଯାଇପାରିବ ନାହିଁ: ସୂଚୀରେ ଏହାର କୀୱାର୍ଡ ଦେଖାଯାଉନାହିଁ, ଏବଂ ସେଗୁଡ଼ିକ ବିନା ସଂରକ୍ଷଣ କଲେ ସେଗୁଡ଼ିକ ଲିଭିଯିବ।",
    "cat.saved": "{code} ସଂରକ୍ଷିତ ହେଲା।",
    "cat.missing": "{code} ନାମରେ କୌଣସି ବର୍ଗ ନାହିଁ।",
  },
};

const MANAGERS = ["supervisor", "department_head", "state_admin"];
const STAFF_ROLES = ["officer", "supervisor", "department_head", "state_admin"];

export function navigation(who) {
  if (!who || !MANAGERS.includes(who.role)) return [];
  const links = [["#/dashboard", t("nav.dashboard")]];
  if (who.role === "state_admin") links.push(["#/staff", t("nav.staff")], ["#/catalogue", t("nav.catalogue")]);
  return links;
}

function requireRole(roles, message) {
  const who = session();
  if (!who) {
    location.hash = "#/login";
    throw new ApiError(401, { error: { message: t("login.title") } });
  }
  if (!roles.includes(who.role)) throw new ApiError(403, { error: { message: t(message) } });
  return who;
}

// Codes → names in the reader's language, for the catalogue lists every page shows.
async function names(path, key) {
  const body = await get(withLanguage(path), { auth: false });
  return new Map(body[key].map((item) => [item.code, item.name || item.code]));
}

function number(value) {
  return value === null || value === undefined ? t("admin.none") : new Intl.NumberFormat(language()).format(value);
}

function day(iso) {
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
}

function period(report) {
  return t("dash.period", { from: day(report.from), to: day(report.to) });
}

// A table a screen reader can walk: a caption, column headers, and each row's own header.
function table(caption, headers, rows) {
  return el(
    "div",
    { class: "scroll" },
    el(
      "table",
      {},
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, headers.map((text) => el("th", { scope: "col", text })))),
      el("tbody", {}, rows.map(([head, ...cells]) => el("tr", {}, el("th", { scope: "row" }, head), cells.map((cell) => el("td", {}, cell))))),
    ),
  );
}

function named(name, code) {
  return name && name !== code ? [name, " ", el("span", { class: "hint", text: `(${code})` })] : [code];
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return node;
}

// Two bars a department, open over overdue, each with its number at its end. The table holds
// the same figures: the chart is a glance, never the only place a number is.
function chart(rows, departments) {
  const label = 230;
  const room = 280;
  const width = label + room + 60;
  const top = 28;
  const step = 36;
  const height = top + rows.length * step;
  const widest = Math.max(1, ...rows.map((row) => Math.max(row.open, row.overdue)));
  const colors = { open: "#0b4f6c", overdue: "#a4161a" };
  const legend = ["open", "overdue"].map((kind, i) =>
    svg(
      "g",
      {},
      svg("rect", { x: label + i * 120, y: 4, width: 14, height: 14, fill: colors[kind] }),
      svg("text", { x: label + i * 120 + 20, y: 16, "font-size": 13, text: t(`col.${kind}`) }),
    ),
  );
  const bars = rows.map((row, i) => {
    const y = top + i * step;
    const name = departments.get(row.department) || row.department;
    const short = name.length > 28 ? `${name.slice(0, 27)}…` : name;
    const bar = (kind, offset) => {
      const length = (Math.max(0, row[kind]) / widest) * room;
      return [
        svg("rect", { x: label, y: y + offset, width: length, height: 13, fill: colors[kind] }),
        svg("text", { x: label + length + 4, y: y + offset + 11, "font-size": 12, text: number(row[kind]) }),
      ];
    };
    return svg(
      "g",
      {},
      svg("title", { text: t("dash.chart.bar", { name, open: number(row.open), overdue: number(row.overdue) }) }),
      svg("text", { x: label - 8, y: y + 18, "font-size": 13, "text-anchor": "end", text: short }),
      bar("open", 2),
      bar("overdue", 16),
    );
  });
  return el(
    "figure",
    {},
    svg(
      "svg",
      { role: "img", "aria-label": t("dash.chart.label"), viewBox: `0 0 ${width} ${height}`, width: "100%", "font-family": "system-ui, sans-serif", fill: "#1b1b1b" },
      svg("title", { text: t("dash.chart") }),
      legend,
      bars,
    ),
    el("figcaption", { class: "hint", text: t("dash.chart") }),
  );
}

function departmentsTable(report, departments) {
  const rows = report.departments.map((row) => [
    named(departments.get(row.department), row.department),
    number(row.open),
    number(row.overdue),
    number(row.received),
    number(row.resolved),
    number(row.rejected),
    number(row.sla_compliance_pct),
    number(row.median_hours),
    number(row.average_rating),
  ]);
  const headers = ["department", "open", "overdue", "received", "resolved", "rejected", "sla", "median", "rating"].map((key) => t(`col.${key}`));
  return table(t("dash.departments.caption", { period: period(report) }), headers, rows);
}

function districtsTable(report, districts, categories) {
  const rows = report.districts.map((row) => {
    const busiest = Object.entries(row.by_category)
      .filter(([, counts]) => counts.filed > 0)
      .sort(([a, x], [b, y]) => y.filed - x.filed || a.localeCompare(b))
      .slice(0, 3)
      .map(([code, counts]) => `${categories.get(code) || code} (${number(counts.filed)})`);
    return [
      named(districts.get(row.district), row.district),
      number(row.filed),
      number(row.resolved),
      number(row.rejected),
      number(row.sla_compliance_pct),
      number(row.median_hours),
      number(row.average_rating),
      busiest.length ? busiest.join(", ") : t("admin.none"),
    ];
  });
  const headers = ["district", "filed", "resolved", "rejected", "sla", "median", "rating", "top_categories"].map((key) => t(`col.${key}`));
  return table(t("dash.districts.caption", { period: period(report) }), headers, rows);
}

function alertText(alert, districts, categories) {
  const common = { day: day(alert.day), district: districts.get(alert.district) || alert.district, days: number(alert.window_days), expected: number(alert.expected) };
  if (alert.kind === "surge") {
    return t("dash.alert.surge", { ...common, category: categories.get(alert.category) || alert.category, recent: number(alert.recent), ratio: number(alert.ratio) });
  }
  return t("dash.alert.underserved", { ...common, filed: number(alert.filed), per_100k: number(alert.per_100k), state_per_100k: number(alert.state_per_100k) });
}

// The export needs the bearer token, so it cannot be a plain link: fetched here, then handed to
// the browser as a file.
async function download(path, filename) {
  const base = (window.CRM_CONFIG && window.CRM_CONFIG.api) || "";
  const send = () => fetch(base + path, { headers: { Authorization: `Bearer ${session().access_token}` } });
  let response = await send();
  if (response.status === 401) {
    // api.js renews an expired access token on its next call: one small call, then the file again.
    await get("/me");
    response = await send();
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the blob when the download starts; freeing it at once could race that.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function exportLink(report, query, filename) {
  const path = `/reports/export.csv?report=${report}${query ? `&${query}` : ""}`;
  const base = (window.CRM_CONFIG && window.CRM_CONFIG.api) || "";
  return el("a", {
    href: base + path,
    download: filename,
    text: t(`dash.export.${report}`),
    onclick: async (event) => {
      event.preventDefault();
      try {
        await download(path, filename);
        say(t("dash.export.done", { file: filename }));
      } catch (error) {
        say(error.message || String(error), "error");
      }
    },
  });
}

function periodForm(query, report) {
  const from = el("input", { name: "from", type: "date", value: query.get("from") || (report && report.from) || "" });
  const to = el("input", { name: "to", type: "date", value: query.get("to") || (report && report.to) || "" });
  return form([...field(t("dash.from"), from), ...field(t("dash.to"), to)], t("dash.show"), async (values) => {
    const chosen = new URLSearchParams();
    if (values.from) chosen.set("from", values.from);
    if (values.to) chosen.set("to", values.to);
    location.hash = `#/dashboard${chosen.toString() ? `?${chosen}` : ""}`;
  });
}

async function dashboardPage({ query, show }) {
  requireRole(MANAGERS, "admin.only_managers");
  const chosen = new URLSearchParams();
  for (const name of ["from", "to"]) if (query.get(name)) chosen.set(name, query.get(name));
  const suffix = chosen.toString() ? `?${chosen}` : "";
  let departmentsReport, districtsReport, alerts;
  try {
    [departmentsReport, districtsReport, alerts] = await Promise.all([
      get(`/reports/departments${suffix}`),
      get(`/reports/districts${suffix}`),
      get(`/reports/alerts${suffix}`),
    ]);
  } catch (error) {
    // A period the API refuses: the filter again, with the field it named marked.
    if (!(error instanceof ApiError) || !["from", "to"].includes(error.field)) throw error;
    const filter = periodForm(query, null);
    show(t("dash.title"), filter);
    say(error.message, "error");
    const wrong = filter.querySelector(`[name="${error.field}"]`);
    wrong.setAttribute("aria-invalid", "true");
    return;
  }
  const [departments, districts, categories] = await Promise.all([names("/departments", "departments"), names("/districts", "districts"), names("/categories", "categories")]);
  // The state cell's own desk is a row of the report but no department of the catalogue.
  departments.set("STATE_CELL", t("dash.state_cell"));
  const range = `${departmentsReport.from}-${departmentsReport.to}`;
  const exportQuery = `from=${departmentsReport.from}&to=${departmentsReport.to}`;
  show(
    t("dash.title"),
    periodForm(query, departmentsReport),
    el("h2", { text: t("dash.departments") }),
    chart(departmentsReport.departments, departments),
    departmentsTable(departmentsReport, departments),
    el("p", { class: "hint", text: t("admin.none.hint") }),
    el("h2", { text: t("dash.districts") }),
    districtsTable(districtsReport, districts, categories),
    el("h2", { text: t("dash.alerts") }),
    el("p", { class: "hint", text: t("dash.alerts.period", { period: period(alerts) }) }),
    alerts.alerts.length ? el("ul", {}, alerts.alerts.map((alert) => el("li", { text: alertText(alert, districts, categories) }))) : el("p", { text: t("dash.alerts.none") }),
    el("h2", { text: t("dash.export") }),
    el(
      "ul",
      {},
      el("li", {}, exportLink("departments", exportQuery, `departments-${range}.csv`)),
      el("li", {}, exportLink("districts", exportQuery, `districts-${range}.csv`)),
    ),
  );
}

function choices(map, selected, blank) {
  const options = [...map].map(([code, name]) => el("option", { value: code, text: name, selected: code === selected }));
  return blank ? [el("option", { value: "", text: blank }), ...options] : options;
}

function officerRow(officer, districts, reload) {
  const switching = officer.active ? "deactivate" : "activate";
  const button = el("button", { type: "button", class: "secondary", text: t(`staff.${switching}`), "aria-label": t(`staff.${switching}.label`, { name: officer.name }) });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const changed = await call("PATCH", `/officers/${encodeURIComponent(officer.officer_id)}`, { active: !officer.active });
      await reload();
      const said = officer.active ? t("staff.deactivated", { name: changed.name, count: number(changed.handed_over.length) }) : t("staff.activated", { name: changed.name });
      say(changed.handover_complete === false ? `${said} ${t("staff.handover_incomplete")}` : said);
    } catch (error) {
      button.disabled = false;
      say(error.message || String(error), "error");
    }
  });
  return [
    officer.name,
    t(`role.${officer.role}`),
    officer.district ? districts.get(officer.district) || officer.district : t("admin.none"),
    officer.mobile,
    officer.email,
    t(officer.active ? "staff.active" : "staff.inactive"),
    button,
  ];
}

async function staffPage({ query, show }) {
  requireRole(["state_admin"], "admin.only_state_cell");
  const [departments, districts] = await Promise.all([names("/departments", "departments"), names("/districts", "districts")]);
  const shown = query.get("department") || [...departments.keys()][0];
  const picker = el("select", { name: "department" }, choices(departments, shown));
  const pick = el("form", {}, ...field(t("staff.pick"), picker), el("button", { type: "submit", text: t("staff.show") }));
  pick.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/staff?department=${encodeURIComponent(picker.value)}`;
  });
  const listing = el("div", { "aria-live": "polite" });
  const reload = async () => {
    const found = await get(`/officers?department=${encodeURIComponent(shown)}`);
    const headers = ["name", "role", "district", "mobile", "email", "status", "action"].map((key) => t(`staff.${key}`));
    listing.replaceChildren(
      found.officers.length
        ? table(t("staff.caption", { department: departments.get(shown) || shown }), headers, found.officers.map((officer) => officerRow(officer, districts, reload)))
        : el("p", { text: t("staff.none") }),
    );
  };
  await reload();
  const languages = [...document.querySelectorAll("#language option")].map((option) => el("option", { value: option.value, text: option.textContent }));
  const appoint = form(
    [
      ...field(t("staff.name"), el("input", { name: "name", autocomplete: "off", required: true })),
      ...field(t("staff.role"), el("select", { name: "role" }, STAFF_ROLES.map((role) => el("option", { value: role, text: t(`role.${role}`) })))),
      ...field(t("staff.department"), el("select", { name: "department" }, choices(departments, shown, t("staff.no_department")))),
      ...field(t("staff.district"), el("select", { name: "district" }, choices(districts, "", t("staff.no_district")))),
      ...field(t("staff.mobile"), el("input", { name: "mobile", type: "tel", autocomplete: "off", required: true })),
      ...field(t("staff.email"), el("input", { name: "email", type: "email", autocomplete: "off", required: true })),
      ...field(t("staff.password"), el("input", { name: "password", type: "password", autocomplete: "new-password", required: true })),
      ...field(t("staff.language"), el("select", { name: "language" }, languages)),
    ],
    t("staff.appoint.submit"),
    async (values) => {
      const body = { name: values.name, role: values.role, mobile: values.mobile, email: values.email, password: values.password, language: values.language || "en" };
      if (values.department) body.department = values.department;
      if (values.district) body.district = values.district;
      const appointed = await post("/officers", body);
      appoint.reset();
      if (appointed.department && appointed.department !== shown) location.hash = `#/staff?department=${encodeURIComponent(appointed.department)}`;
      else await reload();
      say(t("staff.appointed", { name: appointed.name }));
    },
  );
  // The form first: the list of a department runs long.
  show(t("staff.title"), el("h2", { text: t("staff.appoint") }), appoint, el("h2", { text: t("staff.listed") }), pick, listing);
}

async function cataloguePage({ query, show }) {
  requireRole(["state_admin"], "admin.only_state_cell");
  const department = query.get("department") || "";
  const [departments, found] = await Promise.all([
    names("/departments", "departments"),
    get(withLanguage(`/categories${department ? `?department=${encodeURIComponent(department)}` : ""}`), { auth: false }),
  ]);
  const picker = el("select", { name: "department" }, choices(departments, department, t("cat.all")));
  const pick = el("form", {}, ...field(t("cat.pick"), picker), el("button", { type: "submit", text: t("cat.show") }));
  pick.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/catalogue${picker.value ? `?department=${encodeURIComponent(picker.value)}` : ""}`;
  });
  const headers = ["cat.code", ...stageLanguages().map((code) => `cat.name_${code}`), "cat.department", "cat.sla_hours", "cat.round_the_clock"].map((key) => t(key));
  const rows = found.categories.map((category) => [
    el("a", { href: `#/catalogue/${encodeURIComponent(category.code)}`, text: category.code }),
    ...stageLanguages().map((code) => category.names[code] || t("admin.none")),
    departments.get(category.department) || category.department,
    number(category.sla_hours),
    t(category.round_the_clock ? "cat.clock.always" : "cat.clock.office"),
  ]);
  show(t("cat.title"), pick, table(t("cat.caption"), headers, rows));
}

// The stage's languages (config.js), English first: every name the state keeps.
function stageLanguages() {
  const offered = (window.CRM_CONFIG && window.CRM_CONFIG.languages) || [];
  return ["en", ...offered.filter((code) => code !== "en")];
}

async function categoryPage({ code, show }) {
  requireRole(["state_admin"], "admin.only_state_cell");
  const found = await get(withLanguage("/categories"), { auth: false });
  const category = found.categories.find((each) => each.code === code);
  if (!category) throw new ApiError(404, { error: { message: t("cat.missing", { code }) } });
  // PUT replaces the whole category: every field this page does not edit goes back as it came.
  // Keywords (what free text is categorised by) must come too, or the save would erase them.
  const keywordsKnown = category.keywords !== undefined && category.keywords !== null;
  const edit = form(
    [
      ...stageLanguages().flatMap((language) =>
        field(t(`cat.name_${language}`), el("input", { name: `names.${language}`, value: category.names[language] || "", lang: language, required: language === "en" })),
      ),
      ...field(
        t("cat.sla_hours"),
        el("input", { name: "sla_hours", type: "number", min: 1, max: 8760, step: 1, inputmode: "numeric", value: category.sla_hours, required: true }),
      ),
    ],
    t("cat.edit.submit"),
    async (values) => {
      // A name left blank is removed: the portal then shows the English one in that language.
      const renamed = { ...category.names };
      for (const language of stageLanguages()) {
        const name = values[`names.${language}`].trim();
        if (name) renamed[language] = name;
        else delete renamed[language];
      }
      await call("PUT", `/categories/${encodeURIComponent(code)}`, {
        department: category.department,
        names: renamed,
        sla_hours: Number(values.sla_hours),
        round_the_clock: category.round_the_clock,
        keywords: category.keywords,
        escalation_hours: category.escalation_hours || [],
      });
      location.hash = `#/catalogue?department=${encodeURIComponent(category.department)}`;
      say(t("cat.saved", { code }));
    },
  );
  let blocked = null;
  if (!keywordsKnown) {
    edit.querySelector("button[type=submit]").disabled = true;
    blocked = el("p", { class: "error", id: "category-blocked", text: t("cat.edit.blocked") });
    edit.setAttribute("aria-describedby", "category-blocked");
  }
  show(t("cat.edit.title", { code }), el("p", { class: "hint", text: t("cat.edit.hint") }), blocked, edit);
}

export const routes = {
  "/dashboard": dashboardPage,
  "/staff": staffPage,
  "/catalogue": cataloguePage,
  "/catalogue/:code": categoryPage,
};
