using Trabecula.Launcher;
using Trabecula.Tools;

return LibraryCommandLine.IsLibraryVerb(args)
    ? await LibraryCommandLine.RunAsync(args)
    : ServerHandoff.Run(args);
