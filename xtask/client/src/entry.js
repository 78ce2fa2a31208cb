// The browser side of the harness: the published `Token` class of
// @ckeditor/ckeditor5-cloud-services, exactly as an editor would load it, put on `window` so
// the driver (run.mjs) can construct it inside a page.
import { Token } from '@ckeditor/ckeditor5-cloud-services';

window.CKEditorCloudServicesToken = Token;
