#!/usr/bin/python3
"""Plant canary values in every identifying attribute of a DICOM file (UP-08).

Usage: plant-canaries.py IN OUT CANARIES_TXT
Writes OUT and lists every planted canary, one a line, in CANARIES_TXT. Canaries go into top-level
attributes, into items of sequences (also nested two deep), into private elements and a private
sequence; the original UIDs and birth date are listed too, since they must not survive either.
"""
import sys

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

src, dst, listing = sys.argv[1:4]
ds = pydicom.dcmread(src)
canaries = []


def canary():
    value = "CNRY%03d" % (len(canaries) + 1)
    canaries.append(value)
    return value


for keyword in [
    "PatientName", "PatientID", "OtherPatientIDs", "PatientAddress", "InstitutionName",
    "InstitutionAddress", "ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName",
    "StationName", "DeviceSerialNumber", "AccessionNumber", "StudyID", "StudyDescription",
    "SeriesDescription", "InstitutionalDepartmentName", "IssuerOfPatientID", "AdditionalPatientHistory",
    "ProtocolName", "PerformedProcedureStepID", "PerformedProcedureStepDescription", "PatientComments",
    "ImageComments", "RequestingPhysician", "PhysiciansOfRecord", "NameOfPhysiciansReadingStudy",
    "MedicalRecordLocator", "PatientTelephoneNumbers", "MilitaryRank", "Occupation",
    "RequestedProcedureDescription", "ContrastBolusAgent", "PatientBirthName", "PatientMotherBirthName",
    "OtherPatientNames", "CountryOfResidence", "RegionOfResidence", "BranchOfService", "DerivationDescription",
    "AdmissionID", "ServiceEpisodeID", "ReasonForStudy", "RequestedProcedureID",
]:
    setattr(ds, keyword, canary())

# Values that identify without being canaries: they must not survive either.
canaries.append(ds.PatientBirthDate)
for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"):
    canaries.append(str(getattr(ds, keyword)))

request = ds.RequestAttributesSequence[0]
request.RequestedProcedureID = canary()
request.ScheduledProcedureStepID = canary()
reason = Dataset()
reason.CodeValue = "R1"
reason.CodingSchemeDesignator = "LOCAL"
reason.CodeMeaning = canary()
request.ReasonForRequestedProcedureCodeSequence = Sequence([reason])

other_id = Dataset()
other_id.PatientID = canary()
other_id.IssuerOfPatientID = canary()
ds.OtherPatientIDsSequence = Sequence([other_id])

# A kept sequence (not in Table E.1-1) whose item holds identifying attributes: the profile must recurse.
code = ds.ProcedureCodeSequence[0]
code.ReferringPhysicianName = canary()
inner = Dataset()
inner.PersonName = canary()
inner.ReferencedSOPInstanceUID = str(ds.SOPInstanceUID)
code.ContentSequence = Sequence([inner])

referenced = Dataset()
referenced.ReferencedSOPClassUID = ds.SOPClassUID
referenced.ReferencedSOPInstanceUID = str(ds.StudyInstanceUID) + ".77"
canaries.append(referenced.ReferencedSOPInstanceUID)
ds.ReferencedImageSequence = Sequence([referenced])

if (0x0043, 0x1001) in ds:
    ds[0x0043, 0x1001].value = canary()
    ds[0x0043, 0x1002].value = canary()
block = ds.private_block(0x0045, "CANARY_SEQ_01", create=True)
private_item = Dataset()
private_item.PatientName = canary()
block.add_new(0x01, "SQ", Sequence([private_item]))
block.add_new(0x02, "LO", canary())

ds.save_as(dst, write_like_original=False)
with open(listing, "w") as f:
    f.write("\n".join(canaries) + "\n")
