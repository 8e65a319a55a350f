namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// A private attribute named independently of the block it was given in a file: the odd group,
/// the private creator that reserved the block and the low byte of the element
/// (for GEMS_ACQU_01 in group 0019, element 0x23 is (0019,xx23) in whichever block xx it got).
/// </summary>
/// <param name="Group">The odd group, for example 0x0019.</param>
/// <param name="Creator">The private creator value, for example "GEMS_ACQU_01".</param>
/// <param name="Element">The element's low byte within the block.</param>
public readonly record struct DicomPrivateTag(ushort Group, string Creator, byte Element);
