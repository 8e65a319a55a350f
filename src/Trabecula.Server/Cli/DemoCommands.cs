using System.CommandLine;
using Trabecula.Server.Features.Demo;

namespace Trabecula.Server.Cli;

internal static class DemoCommands
{
    public static Command Create(CliContext context)
    {
        var seed = new Command("seed", "Create demo organizations and one user per role; print their one-time passwords.");
        seed.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = await context.BuildForCommandAsync(parse, migrate: true, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var accounts = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
            Console.WriteLine("Demo accounts. Passwords are shown once; each must be changed at first sign-in.");
            Console.WriteLine();
            Console.WriteLine($"{"user name",-22} {"role",-20} {"password",-18} organization");
            foreach (var account in accounts)
            {
                Console.WriteLine($"{account.UserName,-22} {account.Role,-20} {account.OneTimePassword ?? "(exists, unchanged)",-18} {account.Organization}");
            }

            return 0;
        });

        var demo = new Command("demo", "Demonstration data.");
        demo.Subcommands.Add(seed);
        return demo;
    }
}
