using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Workspace;

/// <summary>One running demo app for the workspace tests (their uploads change which submissions count, so not shared).</summary>
[SetUpFixture]
public sealed class WorkspaceFixture : DemoAppFixture<WorkspaceFixture>;
