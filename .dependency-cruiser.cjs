/** Module boundaries from DESIGN.md, checked on every `npm test`. */
const DRIVERS = 'node_modules/(better-sqlite3|@eventstore/db-client|mongodb|ioredis|bullmq|nodemailer|mingo|piscina)/';

/** The composition root: the only modules outside src/infra/ that may pick an adapter. */
const COMPOSITION_ROOT = [
  '^src/service\\.ts$',
  // createService's adapter picking, split out of src/service.ts: the stores, the job queue and the mailer.
  '^src/composition/stores\\.ts$',
  // The CLI's backup command, which copies the embedded SQLite file (src/cli.ts only registers the commands).
  '^src/cli/backup\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports nothing outside itself (no I/O, no libraries)',
      severity: 'error',
      from: { path: '^domain/' },
      to: { pathNot: '^domain/' },
    },
    {
      name: 'projections-read-only-domain',
      comment: 'projections/ imports only domain/ (event types and pure rules)',
      severity: 'error',
      from: { path: '^projections/' },
      to: { pathNot: '^(domain|projections)/' },
    },
    {
      name: 'drivers-only-in-infra',
      comment: 'only src/infra/ talks to a driver',
      severity: 'error',
      from: { pathNot: '^src/infra/' },
      to: { path: DRIVERS },
    },
    {
      name: 'infra-only-from-composition-root',
      comment:
        'only the composition root picks adapters (src/service.ts and src/composition/stores.ts; src/cli/backup.ts, which copies the SQLite file): everything above src/infra/ talks to the ports in src/ports/',
      severity: 'error',
      from: { path: '^(domain|projections|workers|src)/', pathNot: ['^src/infra/', ...COMPOSITION_ROOT] },
      to: { path: '^src/infra/' },
    },
    {
      name: 'infra-implements-ports',
      comment:
        'src/infra/ imports only src/ports/, itself and libraries: every port is declared in src/ports/, none above the adapters',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^(domain|projections|workers|src)/', pathNot: '^src/(infra|ports)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
