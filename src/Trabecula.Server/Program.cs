using Trabecula.Server.Cli;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Clients;
using Trabecula.Server.Features.Demo;
using Trabecula.Server.Features.Designs;
using Trabecula.Server.Features.Downloads;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.PatientData;
using Trabecula.Server.Features.Production;
using Trabecula.Server.Features.Traceability;
using Trabecula.Server.Features.Transfer;
using Trabecula.Server.Features.Shell;
using Trabecula.Server.Features.Uploads;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Storage;

return await TrabeculaCommandLine.InvokeAsync(args, Program.BuildApp);

/// <summary>The entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program
{
    // The whole platform, feature by feature. Each AddX registers a feature's services and options;
    // each MapX its endpoints and pages. The command line decides whether the app serves or runs a verb.
    internal static WebApplication BuildApp(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddTrabeculaDefaults();
        builder.AddTrabeculaData();
        builder.AddAudit();
        builder.AddAccounts();
        builder.AddClients();
        builder.AddOrders();
        builder.AddPatientData();
        builder.AddPermissions();
        builder.AddShell();
        builder.AddDemo();
        builder.AddBlobStorage();
        builder.AddBlobIntegrityAlerts();
        builder.AddUploads();
        builder.AddDesigns();
        builder.AddProduction();
        builder.AddTraceability();
        builder.AddTransfer();
        builder.AddDownloads();

        var app = builder.Build();
        app.UseTrabeculaDefaults();
        app.UseAccounts();
        app.MapTrabeculaDefaults();
        app.MapAccounts();
        app.MapOrganizationsApi();
        app.MapAudit();
        app.MapClients();
        app.MapOrders();
        app.MapPatientData();
        app.MapPermissions();
        app.MapShell();
        app.MapUploads();
        app.MapDesigns();
        app.MapProduction();
        app.MapTraceability();
        app.MapTransfer();
        app.MapDownloads();
        return app;
    }
}
