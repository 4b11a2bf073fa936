/** neighwatch-agent entry point (being implemented). */
process.stdout.write('usage: neighwatch-agent [options]\n');
