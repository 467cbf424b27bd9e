using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Http;

/// <summary>One running app with the seeded demo course for every test in this namespace.</summary>
[SetUpFixture]
public sealed class AppFixture : DemoAppFixture<AppFixture>;
