// Entry point: registers every screen and starts the shell.
import { start } from './app.js';
import './screens/login.js';
import './screens/board.js';
import './screens/intake.js';
import './screens/job.js';
import './screens/inventory.js';
import './screens/invoices.js';
import './screens/reports.js';
import './screens/attention.js';
import './screens/settings.js';

start();
