namespace Grader.Submissions.Intake;

public enum NoteSeverity
{
    /// <summary>Something the grader did on the student's behalf (e.g. removed a <c>#r "nuget:"</c> line).</summary>
    Info,

    /// <summary>Something the student should fix, that does not stop grading (e.g. the file name).</summary>
    Warning,

    /// <summary>A part of the submission that was refused; the rest may still be graded.</summary>
    Error,
}

/// <summary>A remark about the submission for the student's report.</summary>
public sealed record IntakeNote(NoteSeverity Severity, string Message)
{
    public override string ToString() => $"{Severity.ToString().ToLowerInvariant()}: {Message}";
}
