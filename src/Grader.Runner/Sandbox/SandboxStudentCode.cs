using System.Reflection;
using Grader.Reference.Checks;

namespace Grader.Runner.Sandbox;

/// <summary>
/// The student's code as the checks see it: each contract object is a proxy whose every call crosses into the
/// sandbox and back. The checks cannot tell it from an in-process object, and the student's code never runs here.
/// </summary>
public sealed class SandboxStudentCode(SandboxSession session) : IStudentCode
{
    public T Create<T>()
        where T : class
    {
        if (!typeof(T).IsInterface)
        {
            throw new ArgumentException($"{typeof(T).Name} is not a contract interface", nameof(T));
        }

        int objectId = session.Create(typeof(T));
        var proxy = DispatchProxy.Create<T, ContractProxy>();
        ((ContractProxy)(object)proxy).Bind(session, objectId);
        return proxy;
    }

    /// <summary>Forwards contract calls to one student object inside the sandbox.</summary>
    public class ContractProxy : DispatchProxy
    {
        private SandboxSession? _session;
        private int _objectId;

        internal void Bind(SandboxSession session, int objectId)
        {
            _session = session;
            _objectId = objectId;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            return _session!.Call(_objectId, targetMethod, args ?? []);
        }
    }
}
