/** Module boundaries from DESIGN.md, checked on every `npm test`. */
const DRIVERS = 'node_modules/(better-sqlite3|@eventstore/db-client|mongodb|ioredis|bullmq|nodemailer|mingo|piscina)/';

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
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
