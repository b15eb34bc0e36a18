package main

import (
	"errors"
	"fmt"

	"github.com/ksnap/ksnap/history/postgres"
	"github.com/ksnap/ksnap/history/storeurl"
	"github.com/spf13/cobra"
)

// withMigrateHint adds what to do to a missing or old schema error.
func withMigrateHint(err error) error {
	var se *postgres.SchemaError
	if errors.As(err, &se) && se.Have < se.Want {
		return fmt.Errorf("%w; run: ksnap history migrate", err)
	}
	return err
}

func newHistoryMigrateCmd(e *env) *cobra.Command {
	var u historyURLFlag
	cmd := &cobra.Command{
		Use:   "migrate --history-url postgres://USER@HOST/DB",
		Short: "Create or upgrade the history database schema",
		Long: `Migrate creates the history tables in a PostgreSQL database, or upgrades them
to the schema this ksnap needs, in one transaction (concurrent runs are
serialised by an advisory lock). No other command creates or changes the
schema: they fail with a line naming the database until it is migrated.
Running it on a current schema changes nothing.

The database is --history-url, the URL in --history-url-file, or
$KSNAP_HISTORY_URL. A password comes from PGPASSWORD, a passfile (PGPASSFILE,
~/.pgpass) or the URL file, never from the command line.
` + exitStatusHelp,
		Example: `  PGPASSWORD=... ksnap history migrate --history-url postgres://ksnap@db.internal/ksnap
  ksnap history migrate --history-url-file /etc/ksnap/history-url`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := u.resolve(cmd, e, "")
			if err != nil {
				return err
			}
			if loc == "" {
				return usageErrorf("set --history-url, --history-url-file or $KSNAP_HISTORY_URL (a history file needs no migration)")
			}
			res, err := postgres.Migrate(cmd.Context(), loc, postgres.Options{})
			if err != nil {
				return err
			}
			name := storeurl.Name(loc)
			if res.From == res.To {
				fmt.Fprintf(e.stdout, "%s: schema version %d is current\n", name, res.To)
				return nil
			}
			fmt.Fprintf(e.stdout, "%s: schema version %d -> %d\n", name, res.From, res.To)
			return nil
		},
	}
	u.addFlags(cmd.Flags())
	return cmd
}
