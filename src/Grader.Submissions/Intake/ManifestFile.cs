namespace Grader.Submissions.Intake;

/// <summary>One extracted file: its path relative to the submission folder ('/'-separated), size and sha256 (hex).</summary>
public sealed record ManifestFile(string RelativePath, long Size, string Sha256);
