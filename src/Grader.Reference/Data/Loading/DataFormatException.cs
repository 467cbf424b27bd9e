namespace Grader.Reference.Data.Loading;

/// <summary>An instructor's data file is not what the loader expects; the message names the file and, where it applies, the line and field.</summary>
public sealed class DataFormatException(string message) : Exception(message);
