// Shows how far nbgrader's Validate has run the notebook.
//
// nbgrader's Validate button says "Validating..." until the whole notebook has run in a
// fresh kernel (tens of seconds when it starts Spark). The course's server extension
// (grader/validate_progress.py) emits one Jupyter server event as Validate starts, one per
// cell and one at the end; this plugin turns them into one JupyterLab notification that
// it updates in place. The server writes the text, in the notebook's language.

const SCHEMA = 'https://mlflow-lab.invalid/events/validate-progress'; // SCHEMA_ID there

const plugin = {
  id: 'mlflow-lab-validate-progress:plugin',
  description: "Shows how far nbgrader's Validate has run the notebook.",
  autoStart: true,
  activate: app => {
    const shown = new Map(); // the validated notebook's path -> its notification's id

    const show = async event => {
      const type = event.phase === 'done' ? 'success' : 'in-progress';
      const known = shown.get(event.path);
      if (known === undefined) {
        const id = app.commands.execute('apputils:notify', {
          message: event.message,
          type,
          options: { autoClose: event.phase === 'done' ? 5000 : false }
        });
        shown.set(event.path, id);
      } else {
        const id = await known;
        await app.commands.execute('apputils:update-notification', {
          id,
          message: event.message,
          type,
          autoClose: event.phase === 'done' ? 5000 : false
        });
      }
      if (event.phase === 'done') {
        shown.delete(event.path);
      }
    };

    app.serviceManager.events.stream.connect((_, event) => {
      if (event.schema_id === SCHEMA) {
        show(event).catch(error => console.error('Validate progress:', error));
      }
    });
  }
};

export default plugin;
