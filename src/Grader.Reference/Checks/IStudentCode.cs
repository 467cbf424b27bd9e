namespace Grader.Reference.Checks;

/// <summary>
/// Where checks get the student's objects. The runner implements it with proxies that forward every call to the
/// sandboxed process; tests and notebooks implement it over an in-memory assembly (<see cref="AssemblyStudentCode"/>).
/// </summary>
public interface IStudentCode
{
    /// <summary>A fresh instance of the student's class implementing the contract interface <typeparamref name="T"/>.</summary>
    /// <exception cref="Exception">any exception: no such class, constructor threw, sandbox gone; checks report it.</exception>
    T Create<T>() where T : class;
}

/// <summary>
/// A failure reported by an <see cref="IStudentCode"/> whose objects live in another process (the runner's sandbox):
/// the student's code threw there, answered outside the contract, or the run stopped. <see cref="Outcome"/> completes
/// the sentence "your Forward ...", e.g. "threw InvalidOperationException: shapes differ".
/// </summary>
public class RemoteStudentCodeException(string outcome) : Exception(outcome)
{
    public string Outcome => Message;
}
