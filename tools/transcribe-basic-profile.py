#!/usr/bin/python3
"""Write src/Trabecula.Dicom/Deidentification/basic-profile.csv from the transcription below.

Source: DICOM PS3.15 "Security and System Management Profiles", Annex E, Table E.1-1
"Application Level Confidentiality Profile Attributes", as published by NEMA
(https://dicom.nema.org/medical/dicom/current/output/chtml/part15/chapter_E.html) and as extracted
into machine-readable form by innolitics/dicom-standard (standard/confidentiality_profile_attributes.json,
commit 0d01bf11dfc1d0b73b6df85bbf6e1764d3c558a3). That extraction carries no edition string; its
rows match the 2020s editions (it includes e.g. the RT Conceptual Volume and Clinical Trial rows)
but not necessarily the newest one. Check a newer edition's table against it before relying on
attributes added since.

Row format below: TAG|NAME|BASIC|OPTIONS, where OPTIONS are space-separated COLUMN:ACTION pairs:
  S Retain Safe Private   U Retain UIDs            V Retain Device Identity
  I Retain Institution Identity                    P Retain Patient Characteristics
  F Retain Long. Full Dates   M Retain Long. Modified Dates   C Clean Descriptors
  T Clean Structured Content  G Clean Graphics
TAG is eight hex digits, "xx" for repeating groups; "ggggeeee" stands for all private attributes.

Usage: transcribe-basic-profile.py [OUT_CSV]   ("-" for stdout)
"""
import os
import re
import sys

COLUMNS = [("S", "RetainSafePrivate"), ("U", "RetainUIDs"), ("V", "RetainDeviceIdentity"),
           ("I", "RetainInstitutionIdentity"), ("P", "RetainPatientCharacteristics"),
           ("F", "RetainLongitudinalFullDates"), ("M", "RetainLongitudinalModifiedDates"),
           ("C", "CleanDescriptors"), ("T", "CleanStructuredContent"), ("G", "CleanGraphics")]

TABLE = """
00080050|Accession Number|Z|
00184000|Acquisition Comments|X|C:C
00400555|Acquisition Context Sequence|X/Z|T:C
00080022|Acquisition Date|X/Z|F:K M:C
0008002A|Acquisition DateTime|X/Z/D|F:K M:C
00181400|Acquisition Device Processing Description|X/D|C:C
001811BB|Acquisition Field Of View Label|D|C:C
00189424|Acquisition Protocol Description|X|C:C
00080032|Acquisition Time|X/Z|F:K M:C
00404035|Actual Human Performers Sequence|X|
001021B0|Additional Patient History|X|C:C
0040A353|Address (Trial)|X|
00380010|Admission ID|X|
00380020|Admitting Date|X|F:K M:C
00081084|Admitting Diagnoses Code Sequence|X|C:C
00081080|Admitting Diagnoses Description|X|C:C
00380021|Admitting Time|X|F:K M:C
00001000|Affected SOP Instance UID|X|U:K
00102110|Allergies|X|P:C C:C
40000010|Arbitrary|X|
0040A078|Author Observer Sequence|X|
22000005|Barcode Value|X/Z|
300A00C3|Beam Description|X|C:C
300A00DD|Bolus Description|X|C:C
00101081|Branch of Service|X|
0016004D|Camera Owner Name|X|
00181007|Cassette ID|X|V:K
00120060|Clinical Trial Coordinating Center Name|Z|I:K
00120082|Clinical Trial Protocol Ethics Committee Approval Number|X|
00120081|Clinical Trial Protocol Ethics Committee Name|D|I:K
00120020|Clinical Trial Protocol ID|D|
00120021|Clinical Trial Protocol Name|Z|
00120072|Clinical Trial Series Description|X|C:C
00120071|Clinical Trial Series ID|X|
00120030|Clinical Trial Site ID|Z|I:K
00120031|Clinical Trial Site Name|Z|I:K
00120010|Clinical Trial Sponsor Name|D|
00120040|Clinical Trial Subject ID|D|
00120042|Clinical Trial Subject Reading ID|D|
00120051|Clinical Trial Time Point Description|X|C:C
00120050|Clinical Trial Time Point ID|Z|
00400310|Comments on Radiation Dose|X|C:C
00400280|Comments on the Performed Procedure Step|X|C:C
300A02EB|Compensator Description|X|C:C
00209161|Concatenation UID|U|U:K
3010000F|Conceptual Volume Combination Description|Z|C:C
30100017|Conceptual Volume Description|Z|C:C
30100006|Conceptual Volume UID|U|U:K
00403001|Confidentiality Constraint on Patient Data Description|X|
30100013|Constituent Conceptual Volume UID|U|U:K
0008009C|Consulting Physician's Name|Z|
0008009D|Consulting Physician Identification Sequence|X|
0050001B|Container Component ID|X|
0040051A|Container Description|X|C:C
00400512|Container Identifier|D|
00700086|Content Creator's Identification Code Sequence|X|
00700084|Content Creator's Name|Z/D|
00080023|Content Date|Z/D|F:K M:C
0040A730|Content Sequence|D|T:C
00080033|Content Time|Z/D|F:K M:C
00180010|Contrast/Bolus Agent|Z/D|C:C
0018A003|Contribution Description|X|C:C
00102150|Country of Residence|X|
0040A307|Current Observer (Trial)|X|
00380300|Current Patient Location|X|
50xxxxxx|Curve Data|X|G:C
00080025|Curve Date|X|F:K M:C
00080035|Curve Time|X|F:K M:C
0040A07C|Custodial Organization Sequence|X|
FFFCFFFC|Data Set Trailing Padding|X|
0018937F|Decomposition Description|X|C:C
00082111|Derivation Description|X|C:C
0018700A|Detector ID|X/D|V:K
3010001B|Device Alternate Identifier|Z|
00500020|Device Description|X|V:K
3010002D|Device Label|D|V:K
00181000|Device Serial Number|X/Z/D|V:K
0016004B|Device Setting Description|X|C:C
00181002|Device UID|U|U:K V:K
FFFAFFFA|Digital Signatures Sequence|X|
04000100|Digital Signature UID|U|
00209164|Dimension Organization UID|U|U:K
00380040|Discharge Diagnosis Description|X|C:C
4008011A|Distribution Address|X|
40080119|Distribution Name|X|
300A0016|Dose Reference Description|X|C:C
300A0013|Dose Reference UID|U|U:K
3010006E|Dosimetric Objective UID|U|U:K
00189517|End Acquisition DateTime|X/D|F:K M:C
30100037|Entity Description|X|C:C
30100035|Entity Label|D|C:C
30100038|Entity Long Label|D|C:C
30100036|Entity Name|X|C:C
300A0676|Equipment Frame of Reference Description|X|C:C
00102160|Ethnic Group|X|P:K
00404011|Expected Completion DateTime|X|F:K M:C
00080058|Failed SOP Instance UID List|U|U:K
0070031A|Fiducial UID|U|U:K
00402017|Filler Order Number / Imaging Service Request|Z|
30080054|First Treatment Date|X/D|F:K M:C
300A0196|Fixation Device Description|X|C:C
00340002|Flow Identifier|D|
00340001|Flow Identifier Sequence|D|
3010007F|Fractionation Notes|Z|C:C
300A0072|Fraction Group Description|X|C:C
00209158|Frame Comments|X|C:C
00200052|Frame of Reference UID|U|U:K
00340007|Frame Origin Timestamp|D|F:K M:C
00181008|Gantry ID|X|V:K
00181005|Generator ID|X|V:K
00160076|GPS Altitude|X|
00160075|GPS Altitude Ref|X|
0016008C|GPS Area Information|X|
0016008D|GPS Date Stamp|X|F:K M:C
00160088|GPS Dest Bearing|X|
00160087|GPS Dest Bearing Ref|X|
0016008A|GPS Dest Distance|X|
00160089|GPS Dest Distance Ref|X|
00160084|GPS Dest Latitude|X|
00160083|GPS Dest Latitude Ref|X|
00160086|GPS Dest Longitude|X|
00160085|GPS Dest Longitude Ref|X|
0016008E|GPS Differential|X|
0016007B|GPS DOP|X|
00160081|GPS Img Direction|X|
00160080|GPS Img Direction Ref|X|
00160072|GPS Latitude|X|
00160071|GPS Latitude Ref|X|
00160074|GPS Longitude|X|
00160073|GPS Longitude Ref|X|
00160082|GPS Map Datum|X|
0016007A|GPS Measure Mode|X|
0016008B|GPS Processing Method|X|
00160078|GPS Satellites|X|
0016007D|GPS Speed|X|
0016007C|GPS Speed Ref|X|
00160079|GPS Status|X|
00160077|GPS Time Stamp|X|
0016007F|GPS Track|X|
0016007E|GPS Track Ref|X|
00160070|GPS Version ID|X|
00700001|Graphic Annotation Sequence|D|G:C
00404037|Human Performer's Name|X|
00404036|Human Performer's Organization|X|
00880200|Icon Image Sequence|X|
00084000|Identifying Comments|X|C:C
00204000|Image Comments|X|C:C
00284000|Image Presentation Comments|X|
00402400|Imaging Service Request Comments|X|C:C
003A0314|Impedance Measurement DateTime|D|F:K M:C
40080300|Impressions|X|C:C
00080015|Instance Coercion DateTime|X|F:K M:C
00080014|Instance Creator UID|U|U:K
04000600|Instance Origin Status|X|
00080081|Institution Address|X|I:K
00081040|Institutional Department Name|X|I:K
00081041|Institutional Department Type Code Sequence|X|I:K
00080082|Institution Code Sequence|X/Z/D|I:K
00080080|Institution Name|X/Z/D|I:K
00101050|Insurance Plan Identification|X|
3010004D|Intended Phase End Date|X/D|F:K M:C
3010004C|Intended Phase Start Date|X/D|F:K M:C
00401011|Intended Recipients of Results Identification Sequence|X|
300A0741|Interlock DateTime|D|F:K M:C
300A0742|Interlock Description|D|C:C
300A0783|Interlock Origin Description|D|C:C
40080111|Interpretation Approver Sequence|X|
4008010C|Interpretation Author|X|
40080115|Interpretation Diagnosis Description|X|C:C
40080202|Interpretation ID Issuer|X|
40080102|Interpretation Recorder|X|
4008010B|Interpretation Text|X|C:C
4008010A|Interpretation Transcriber|X|
00083010|Irradiation Event UID|U|U:K
00380011|Issuer of Admission ID|X|
00380014|Issuer of Admission ID Sequence|X|
00100021|Issuer of Patient ID|X|
00380061|Issuer of Service Episode ID|X|
00380064|Issuer of Service Episode ID Sequence|X|
00400513|Issuer of the Container Identifier Sequence|Z|
00400562|Issuer of the Specimen Identifier Sequence|Z|
22000002|Label Text|X/Z|C:C
00281214|Large Palette Color Lookup Table UID|U|U:K
001021D0|Last Menstrual Date|X|F:K M:C
0016004F|Lens Make|X|V:K
00160050|Lens Model|X|V:K
00160051|Lens Serial Number|X|V:K
0016004E|Lens Specification|X|V:K
00500021|Long Device Description|X|C:C
04000404|MAC|X|
0016002B|Maker Note|X|C:C
0018100B|Manufacturer's Device Class UID|U|U:K V:K
30100043|Manufacturer's Device Identifier|Z|V:K
00020003|Media Storage SOP Instance UID|U|U:K
00102000|Medical Alerts|X|C:C
00101090|Medical Record Locator|X|
00101080|Military Rank|X|
04000550|Modified Attributes Sequence|X|
00203406|Modified Image Description|X|
00203401|Modifying Device ID|X|
30080056|Most Recent Treatment Date|X/D|F:K M:C
0018937B|Multi-energy Acquisition Description|X|C:C
003A0310|Multiplex Group UID|U|U:K
00081060|Name of Physician(s) Reading Study|X|
00401010|Names of Intended Recipients of Results|X|
04000551|Nonconforming Modified Attributes Sequence|X|
04000552|Nonconforming Data Element Value|X|
0040A192|Observation Date (Trial)|X|F:K M:C
0040A402|Observation Subject UID (Trial)|U|U:K
0040A193|Observation Time (Trial)|X|F:K M:C
0040A171|Observation UID|U|U:K
00102180|Occupation|X|C:C
00081072|Operator Identification Sequence|X/D|
00081070|Operators' Name|X/Z/D|
00402010|Order Callback Phone Number|X|
00402011|Order Callback Telecom Information|X|
00402008|Order Entered By|X|
00402009|Order Enterer's Location|X|
04000561|Original Attributes Sequence|X|
00101000|Other Patient IDs|X|
00101002|Other Patient IDs Sequence|X|
00101001|Other Patient Names|X|
60xx4000|Overlay Comments|X|G:C
60xx3000|Overlay Data|X|G:C
00080024|Overlay Date|X|F:K M:C
00080034|Overlay Time|X|F:K M:C
300A0760|Override DateTime|D|F:K M:C
00281199|Palette Color Lookup Table UID|U|U:K
0040A07A|Participant Sequence|X|
00101040|Patient's Address|X|
00101010|Patient's Age|X|P:K
00100030|Patient's Birth Date|Z|
00101005|Patient's Birth Name|X|
00100032|Patient's Birth Time|X|
00380400|Patient's Institution Residence|X|
00100050|Patient's Insurance Plan Code Sequence|X|
00101060|Patient's Mother's Birth Name|X|
00100010|Patient's Name|Z|
00100101|Patient's Primary Language Code Sequence|X|
00100102|Patient's Primary Language Modifier Code Sequence|X|
001021F0|Patient's Religious Preference|X|
00100040|Patient's Sex|Z|P:K
00102203|Patient's Sex Neutered|X/Z|P:K
00101020|Patient's Size|X|P:K
00102155|Patient's Telecom Information|X|
00102154|Patient's Telephone Numbers|X|
00101030|Patient's Weight|X|P:K
00104000|Patient Comments|X|C:C
00100020|Patient ID|Z|
300A0650|Patient Setup UID|U|U:K
00380500|Patient State|X|P:C C:C
00401004|Patient Transport Arrangements|X|
00400243|Performed Location|X|
00400254|Performed Procedure Step Description|X|C:C
00400250|Performed Procedure Step End Date|X|F:K M:C
00404051|Performed Procedure Step End DateTime|X|F:K M:C
00400251|Performed Procedure Step End Time|X|F:K M:C
00400253|Performed Procedure Step ID|X|
00400244|Performed Procedure Step Start Date|X|F:K M:C
00404050|Performed Procedure Step Start DateTime|X|F:K M:C
00400245|Performed Procedure Step Start Time|X|F:K M:C
00400241|Performed Station AE Title|X|V:K
00404030|Performed Station Geographic Location Code Sequence|X|V:K
00400242|Performed Station Name|X|V:K
00404028|Performed Station Name Code Sequence|X|V:K
00081050|Performing Physician's Name|X|
00081052|Performing Physician Identification Sequence|X|
00401102|Person's Address|X|
00401104|Person's Telecom Information|X|
00401103|Person's Telephone Numbers|X|
00401101|Person Identification Code Sequence|D|
0040A123|Person Name|D|
00081048|Physician(s) of Record|X|
00081049|Physician(s) of Record Identification Sequence|X|
00081062|Physician(s) Reading Study Identification Sequence|X|
40080114|Physician Approving Interpretation|X|
00402016|Placer Order Number / Imaging Service Request|Z|
00181004|Plate ID|X|V:K
001021C0|Pregnancy Status|X|P:K
00400012|Pre-Medication|X|P:C
300A000E|Prescription Description|X|C:C
3010007B|Prescription Notes|Z|C:C
30100081|Prescription Notes Sequence|Z|C:C
00701101|Presentation Display Collection UID|U|U:K
00701102|Presentation Sequence Collection UID|U|U:K
30100061|Prior Treatment Dose Description|X|C:C
ggggeeee|Private attributes|X|S:C
00404052|Procedure Step Cancellation DateTime|X|F:K M:C
00181030|Protocol Name|X/D|C:C
300A0619|Radiation Dose Identification Label|D|C:C
300A0623|Radiation Dose In-Vivo Measurement Label|D|C:C
300A067D|Radiation Generation Mode Description|Z|C:C
300A067C|Radiation Generation Mode Label|D|C:C
300C0113|Reason for Omission Description|X|C:C
0040100A|Reason for Requested Procedure Code Sequence|X|C:C
00321030|Reason for Study|X|C:C
3010005C|Reason for Superseding|Z|C:C
00402001|Reason for the Imaging Service Request|X|C:C
00401002|Reason for the Requested Procedure|X|C:C
00321066|Reason for Visit|X|C:C
00321067|Reason for Visit Code Sequence|X|C:C
300A073A|Recorded RT Control Point DateTime|D|F:K M:C
3010000B|Referenced Conceptual Volume UID|U|U:K
04000402|Referenced Digital Signature Sequence|X|
300A0083|Referenced Dose Reference UID|U|U:K
3010006F|Referenced Dosimetric Objective UID|U|U:K
30100031|Referenced Fiducials UID|U|U:K
30060024|Referenced Frame of Reference UID|U|U:K
00404023|Referenced General Purpose Scheduled Procedure Step Transaction UID|U|U:K
00081140|Referenced Image Sequence|X/Z/U*|U:K
0040A172|Referenced Observation UID (Trial)|U|U:K
00380004|Referenced Patient Alias Sequence|X|
00101100|Referenced Patient Photo Sequence|X|
00081120|Referenced Patient Sequence|X|U:X
00081111|Referenced Performed Procedure Step Sequence|X/Z/D|U:K
04000403|Referenced SOP Instance MAC Sequence|X|
00081155|Referenced SOP Instance UID|U|U:K
00041511|Referenced SOP Instance UID in File|U|U:K
00081110|Referenced Study Sequence|X/Z|U:K
00080092|Referring Physician's Address|X|
00080090|Referring Physician's Name|Z|
00080094|Referring Physician's Telephone Numbers|X|
00080096|Referring Physician Identification Sequence|X|
00102152|Region of Residence|X|
300600C2|Related Frame of Reference UID|U|U:K
00400275|Request Attributes Sequence|X|C:C
00321070|Requested Contrast Agent|X|C:C
00401400|Requested Procedure Comments|X|C:C
00321060|Requested Procedure Description|X/Z|C:C
00401001|Requested Procedure ID|X|
00401005|Requested Procedure Location|X|
00189937|Requested Series Description|X|C:C
00001001|Requested SOP Instance UID|U|U:K
00321032|Requesting Physician|X|
00321033|Requesting Service|X|
00189185|Respiratory Motion Compensation Technique Description|X|C:C
00102299|Responsible Organization|X|
00102297|Responsible Person|X|
40084000|Results Comments|X|C:C
40080118|Results Distribution List Sequence|X|
40080042|Results ID Issuer|X|
300E0008|Reviewer Name|X/Z|
30060028|ROI Description|X|C:C
30060038|ROI Generation Description|X|C:C
300600A6|ROI Interpreter|Z|
30060026|ROI Name|Z|C:C
30060088|ROI Observation Description|X|C:C
30060085|ROI Observation Label|X|C:C
300A0615|RT Accessory Device Slot ID|Z|
300A0611|RT Accessory Holder Slot ID|Z|
3010005A|RT Physician Intent Narrative|Z|C:C
300A0006|RT Plan Date|X/D|F:K M:C
300A0004|RT Plan Description|X|C:C
300A0002|RT Plan Label|D|C:C
300A0003|RT Plan Name|X|C:C
300A0007|RT Plan Time|X/D|F:K M:C
30100054|RT Prescription Label|D|C:C
300A062A|RT Tolerance Set Label|D|C:C
30100056|RT Treatment Approach Label|X/D|C:C
3010003B|RT Treatment Phase UID|U|U:K
00404034|Scheduled Human Performers Sequence|X|
0038001E|Scheduled Patient Institution Residence|X|
00400006|Scheduled Performing Physician's Name|X|
0040000B|Scheduled Performing Physician Identification Sequence|X|
00400007|Scheduled Procedure Step Description|X|C:C
00400004|Scheduled Procedure Step End Date|X|F:K M:C
00400005|Scheduled Procedure Step End Time|X|F:K M:C
00404008|Scheduled Procedure Step Expiration DateTime|X|F:K M:C
00400009|Scheduled Procedure Step ID|X|
00400011|Scheduled Procedure Step Location|X|V:K
00404010|Scheduled Procedure Step Modification DateTime|X|F:K M:C
00400002|Scheduled Procedure Step Start Date|X|F:K M:C
00404005|Scheduled Procedure Step Start DateTime|X|F:K M:C
00400003|Scheduled Procedure Step Start Time|X|F:K M:C
00400001|Scheduled Station AE Title|X|V:K
00404027|Scheduled Station Geographic Location Code Sequence|X|V:K
00400010|Scheduled Station Name|X|V:K
00404025|Scheduled Station Name Code Sequence|X|V:K
00321020|Scheduled Study Location|X|V:K
00321021|Scheduled Study Location AE Title|X|V:K
00080021|Series Date|X/D|F:K M:C
0008103E|Series Description|X|C:C
0020000E|Series Instance UID|U|U:K
00080031|Series Time|X/D|F:K M:C
00380062|Service Episode Description|X|C:C
00380060|Service Episode ID|X|
300A01B2|Setup Technique Description|X|C:C
300A01A6|Shielding Device Description|X|C:C
004006FA|Slide Identifier|X|
001021A0|Smoking Status|X|P:K
00080018|SOP Instance UID|U|U:K
30100015|Source Conceptual Volume UID|U|U:K
0018936A|Source End DateTime|D|F:K M:C
00340005|Source Identifier|D|
00082112|Source Image Sequence|X/Z/U*|U:K
300A0216|Source Manufacturer|X|V:K
30080105|Source Serial Number|X/Z|V:K
00189369|Source Start DateTime|D|F:K M:C
00380050|Special Needs|X|P:C
0040050A|Specimen Accession Number|X|
00400602|Specimen Detailed Description|X|C:C
00400551|Specimen Identifier|D|
00400610|Specimen Preparation Sequence|Z|T:C
00400600|Specimen Short Description|X|C:C
00400554|Specimen UID|U|U:K
00189516|Start Acquisition DateTime|X/D|F:K M:C
00081010|Station Name|X/Z/D|V:K
00880140|Storage Media File-set UID|U|U:K
30060008|Structure Set Date|Z|F:K M:C
30060006|Structure Set Description|X|C:C
30060002|Structure Set Label|D|C:C
30060004|Structure Set Name|X|C:C
30060009|Structure Set Time|X/D|F:K M:C
00324000|Study Comments|X|C:C
00080020|Study Date|Z|F:K M:C
00081030|Study Description|X|C:C
00200010|Study ID|Z|
00320012|Study ID Issuer|X|
0020000D|Study Instance UID|U|U:K
00080030|Study Time|Z|F:K M:C
00200200|Synchronization Frame of Reference UID|U|U:K
00182042|Target UID|U|U:K
0040A354|Telephone Number (Trial)|X|
0040DB0D|Template Extension Creator UID|U|U:K
0040DB0C|Template Extension Organization UID|U|U:K
40004000|Text Comments|X|
20300020|Text String|X|
00080201|Timezone Offset From UTC|X|F:K M:C
00880910|Topic Author|X|
00880912|Topic Keywords|X|
00880906|Topic Subject|X|
00880904|Topic Title|X|
00620021|Tracking UID|U|U:K
00081195|Transaction UID|U|U:K
00185011|Transducer Identification Sequence|X|V:K
30080250|Treatment Date|X/D|F:K M:C
300A00B2|Treatment Machine Name|X|V:K
300A0608|Treatment Position Group Label|D|C:C
300A0609|Treatment Position Group UID|U|U:K
300A0700|Treatment Session UID|U|U:K
30100077|Treatment Site|D|C:C
3010007A|Treatment Technique Notes|Z|C:C
30080251|Treatment Time|X/D|F:K M:C
300A0736|Treatment Tolerance Violation DateTime|D|F:K M:C
300A0734|Treatment Tolerance Violation Description|D|C:C
0018100A|UDI Sequence|X|V:K
0040A124|UID|U|
00181009|Unique Device Identifier|X|V:K
30100033|User Content Label|D|C:C
30100034|User Content Long Label|D|C:C
0040A352|Verbal Source (Trial)|X|
0040A358|Verbal Source Identifier Code Sequence (Trial)|X|
0040A088|Verifying Observer Identification Code Sequence|Z|
0040A075|Verifying Observer Name|D|
0040A073|Verifying Observer Sequence|D|
0040A027|Verifying Organization|D|
00384000|Visit Comments|X|C:C
00189371|X-Ray Detector ID|D|V:K
00189373|X-Ray Detector Label|X|V:K
00189367|X-Ray Source ID|D|V:K
"""

BASIC = {"D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"}
OPTION = {"K", "C", "X"}


def rows():
    seen = set()
    for line in TABLE.strip().splitlines():
        tag, name, basic, options = line.split("|")
        if not re.fullmatch(r"[0-9A-Fx]{8}|ggggeeee", tag) or tag in seen:
            raise SystemExit("bad or duplicate tag: " + line)
        if basic not in BASIC:
            raise SystemExit("bad basic action: " + line)
        seen.add(tag)
        values = dict(pair.split(":") for pair in options.split())
        for code, action in values.items():
            if code not in dict(COLUMNS) or action not in OPTION:
                raise SystemExit("bad option: " + line)
        yield [tag, name, basic] + [values.get(code, "") for code, _ in COLUMNS]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "src", "Trabecula.Dicom", "Deidentification", "basic-profile.csv")
    lines = [
        "# DICOM PS3.15 Annex E, Table E.1-1 (Application Level Confidentiality Profile Attributes).",
        "# Transcribed by tools/transcribe-basic-profile.py from the NEMA table as extracted by",
        "# innolitics/dicom-standard commit 0d01bf11dfc1d0b73b6df85bbf6e1764d3c558a3; edit the script, not this file.",
        "Tag,Name,BasicProfile," + ",".join(name for _, name in COLUMNS),
    ]
    for row in sorted(rows(), key=lambda r: (r[0] == "ggggeeee", r[0].replace("x", "0"))):
        lines.append(",".join('"%s"' % v if "," in v else v for v in row))
    text = "\n".join(lines) + "\n"
    if out == "-":
        sys.stdout.write(text)
    else:
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
