// The React example's entry: the cluster and IdP come from serve.mjs (the emulator), as VITE_CDF_CONFIG.
import { mount } from './App.jsx';

mount(JSON.parse(import.meta.env.VITE_CDF_CONFIG ?? '{}'), document.getElementById('root'));
