namespace Trabecula.Server.Data;

/// <summary>Marks a string property stored encrypted (AES-256-GCM under the master key) by <see cref="EncryptedStringConverter"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EncryptedAttribute : Attribute;
