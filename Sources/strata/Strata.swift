import ArgumentParser
import StrataCore

/// The `strata` command line: every subcommand is a thin shell over the libraries.
@main
struct Strata: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Behavioral segmentation: events in, always-current segments out.",
        version: StrataVersion.current,
        subcommands: [
            InitCommand.self,
            CheckCommand.self,
            ImportCommand.self,
            QuarantineCommand.self,
            ProfileCommand.self,
            ProfilesCommand.self,
            MessagesCommand.self,
            RunCommand.self,
            MembersCommand.self,
            ChangesCommand.self,
            ActivationsCommand.self,
            DeliveriesCommand.self,
            ExplainCommand.self,
            RFMCommand.self,
            StagesCommand.self,
            ReportCommand.self,
            HealthCommand.self,
            ExportCommand.self,
            DemoCommand.self,
            GenerateCommand.self,
            ServeCommand.self,
            KeysCommand.self,
            TrainCommand.self,
            SignalsCommand.self,
            TimelinesCommand.self,
        ]
    )
}
