using Grader.Submissions.Intake;

namespace Grader.Submissions.Sources;

/// <summary>A remark on the student's code for the report, with where it applies when it applies to a line.</summary>
public sealed record SourceNote(NoteSeverity Severity, string Message, SourceOrigin? Where = null)
{
    public override string ToString() => Where is { } where ? $"{where}: {Message}" : Message;
}
