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
