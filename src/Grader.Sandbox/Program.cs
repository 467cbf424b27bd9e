using System.Net.Sockets;
using Grader.Sandbox;
using Grader.Sandbox.Protocol;
using TorchSharp;

// grader-sandbox --socket <path>
// Runs inside bubblewrap. Everything the student's code can reach is what this process can reach, so the process
// holds nothing worth stealing: the runner on the other end of the socket keeps the reference answers.
// The host starts before it is given a submission: it loads the runtime, TorchSharp and libtorch, says it is on
// standby, and only then is told which assembly to load (see StudentHost).
string? socketPath = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--socket": socketPath = args[i + 1]; break;
        default: break;
    }
}

if (socketPath is null)
{
    await Console.Error.WriteLineAsync("usage: grader-sandbox --socket <path>");
    return 2;
}

// Homework-sized tensors: extra libtorch threads only spin and contend with other sandboxes for the cores.
// This is also the first native call, so libtorch is loaded here, before any submission is assigned.
torch.set_num_threads(1);
string description = $"TorchSharp {typeof(torch).Assembly.GetName().Version}, device {(torch.cuda.is_available() ? "cuda" : "cpu")}";
StudentHost.WarmUp();

using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
await using var stream = new NetworkStream(socket, ownsSocket: false);
var host = new StudentHost(stream, description);
return await host.ServeAsync(CancellationToken.None);
