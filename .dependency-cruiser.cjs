/**
 * The layers of celeriac and the arrows that must never exist (docs/architecture.md).
 * Checked by test/unit/architecture.test.ts on every `npm test`; `npx depcruise sdk infra functions examples bench`
 * prints the same report.
 */
/** Runtime imports only: `import type` leaves nothing in the JavaScript and loads no module. */
const runtime = { dependencyTypesNot: ['type-only'] };

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles between files.', from: {}, to: { circular: true, ...runtime } },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'sdk/core (tasks, options, envelope, ports, contract) imports nothing else of the SDK and no AWS, Lambda, CDK or HTTP library.',
      from: { path: '^sdk/core/' },
      to: {
        path: ['^sdk/(?!core/)', '^(infra|functions|examples|bench|test)/', '^node_modules/(@aws-sdk|aws-lambda|aws-cdk-lib|constructs|hono|@hono|@middy)/'],
      },
    },
    {
      name: 'worker-over-core',
      severity: 'error',
      comment: 'sdk/worker runs over the ports of sdk/core only: no adapter, no AWS client.',
      from: { path: '^sdk/worker/' },
      to: { path: ['^sdk/(?!core/|worker/)', '^node_modules/(@aws-sdk|aws-cdk-lib|hono|@middy)/'] },
    },
    {
      name: 'inspect-over-core',
      severity: 'error',
      comment: 'sdk/inspect (the monitoring API) reads ports of sdk/core only; its AWS wiring lives in sdk/aws and sdk/aws-inspector.ts.',
      from: { path: '^sdk/inspect/', pathNot: '^sdk/inspect/index\\.ts$' },
      to: { path: ['^sdk/(?!core/|inspect/)', '^node_modules/@aws-sdk/'] },
    },
    {
      name: 'adapters-over-core',
      severity: 'error',
      comment: 'The adapters (sdk/aws, sdk/memory) implement ports of sdk/core and import no other layer.',
      from: { path: '^sdk/(aws|memory)/' },
      to: { path: '^sdk/(?!core/|aws/|memory/)' },
    },
    {
      name: 'aws-sdk-in-adapters-only',
      severity: 'error',
      comment: 'AWS clients are imported by the adapters (sdk/aws) and the local runtime (sdk/dev) only.',
      from: { pathNot: ['^sdk/aws/', '^sdk/dev/', '^sdk/emulator/', '^(test|bench)/'] },
      to: { path: '^node_modules/@aws-sdk/', ...runtime },
    },
    {
      name: 'production-never-loads-dev',
      severity: 'error',
      comment: 'The emulator, local runtime, local scheduler and provisioning (sdk/dev) never reach a deployed bundle.',
      from: { path: ['^sdk/(core|worker|aws|memory|inspect|dashboard|lambda|testing)/', '^sdk/[^/]+\\.ts$', '^infra/', '^functions/'] },
      to: { path: ['^sdk/dev/', '^sdk/emulator/', '^sdk/cli/'] },
    },
    {
      name: 'infra-loads-no-client',
      severity: 'error',
      comment: 'The constructs read names from the contract (sdk/core/contract) and types of sdk/core: synth loads no AWS client.',
      from: { path: '^infra/', pathNot: '^infra/(app|example-stack)\\.ts$' },
      to: { path: ['^sdk/(?!core/)', '^node_modules/@aws-sdk/'] },
    },
    {
      name: 'sdk-stands-alone',
      severity: 'error',
      comment: 'The SDK imports nothing of the repository around it (functions, infra, examples, tests, benches).',
      from: { path: '^sdk/' },
      to: { path: '^(functions|infra|examples|bench|test)/' },
    },
    {
      name: 'functions-are-thin',
      severity: 'error',
      comment: 'A Lambda handler in functions/ is a few lines over sdk/lambda.',
      from: { path: '^functions/' },
      to: { path: '^sdk/(?!lambda/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^(dist|cdk\\.out|\\.celeriac)/', '\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
