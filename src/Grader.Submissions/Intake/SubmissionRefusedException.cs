namespace Grader.Submissions.Intake;

/// <summary>Why a submission (or a part of it) was refused; lets the report and the web app group refusals.</summary>
public enum RefusalReason
{
    SubmissionTooLarge,
    FileTooLarge,
    TooManyFiles,
    CompressionRatioTooHigh,
    PathEscapesFolder,
    UnsafeName,
    PathTooLong,
    PathTooDeep,
    DuplicateName,
    LinkEntry,
    SpecialFileEntry,
    EncryptedEntry,
    MalformedArchive,
    UnsupportedFormat,
    EmptySubmission,
    MalformedNotebook,
    PythonNotebook,
    NotCSharpSource,
}

/// <summary>
/// A submission the grader will not take, with a message meant for the student, e.g.
/// <c>netid_hw1.zip: entry '../../etc/passwd' escapes the submission folder</c>.
/// When intake throws this, nothing of the submission is left on disk.
/// </summary>
public sealed class SubmissionRefusedException : Exception
{
    public SubmissionRefusedException(RefusalReason reason, string submissionName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        SubmissionName = submissionName;
    }

    public RefusalReason Reason { get; }

    /// <summary>The name the student knows the submission by (its original file name).</summary>
    public string SubmissionName { get; }
}
