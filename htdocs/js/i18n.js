/* i18n.js: English and Spanish strings, language choice (browser, switch, remembered) */
(function () {
  'use strict';

  var STRINGS = {
    en: {
      'app.tagline': 'Blood cell counting from microscope images',
      'nav.label': 'Main sections',
      'nav.analyze': 'Analyse',
      'nav.history': 'History',
      'nav.samples': 'Samples',
      'lang.label': 'Language',
      'skip': 'Skip to content',

      'upload.title': 'Analyse images',
      'upload.drop': 'Drag and drop microscope images here (JPEG or PNG), one or several.',
      'upload.or': 'or',
      'upload.choose': 'Choose images',
      'upload.camera': 'Take a photo',
      'upload.advanced': 'Advanced',
      'upload.threshold': 'One threshold for all cell types in the saved counts (0.05 to 1; blank = the model\'s threshold for each type)',
      'upload.umPerPx': 'Micrometres per pixel of this microscope and camera (optional, e.g. 0.1; blank = from the sample\'s calibration profile, else measured on the red cells)',
      'upload.cancel': 'Cancel',
      'upload.dropHere': 'Drop the images to analyse them',

      'queue.title': 'Uploads',
      'queue.waiting': 'Waiting',
      'queue.uploading': 'Uploading {pct}%',
      'queue.analysing': 'Analysing…',
      'queue.done': 'Done: {n} cells',
      'queue.doneUnsure': 'Done: {n} cells (scale unsure)',
      'queue.cancelled': 'Cancelled',
      'queue.retrying': 'Server busy, retrying in {s} s…',
      'queue.open': 'Open',

      'result.title': 'Result',
      'result.empty': 'No result shown yet. Analyse an image above or open one from the History.',
      'result.loading': 'Loading result…',
      'legend.title': 'Cell types',
      'legend.hint': 'Tap a type to show or hide its boxes.',
      'class.RBC': 'Red blood cells',
      'class.WBC': 'White blood cells',
      'class.Platelets': 'Platelets',
      'abbr.RBC': 'RBC',
      'abbr.WBC': 'WBC',
      'abbr.Platelets': 'PLT',
      'slider.label': 'Confidence threshold',
      'slider.help': 'Only boxes at or above the threshold are shown and counted. Moving the slider applies one threshold to all cell types.',
      'slider.saved': 'Saved thresholds: {list}.',
      'slider.savedOne': 'Saved threshold: {t} for all cell types.',
      'slider.perType': 'saved, per cell type',
      'slider.modeSaved': 'In use: the saved thresholds.',
      'slider.modeSlider': 'In use: {t} for all cell types (slider).',
      'slider.reset': 'Use saved thresholds',
      'list.sep': ', ',
      'counts.title': 'Counts',
      'counts.class': 'Cell type',
      'counts.count': 'Count',
      'counts.share': 'Share',
      'counts.total': 'Total',
      'counts.hidden': 'hidden',
      'ratio.label': 'RBC:WBC ratio',
      'ratio.none': 'no WBC detected',
      'chart.title': 'Distribution',
      'chart.desc': 'Bar chart of cell counts: {list}',
      'info.title': 'Details',
      'info.date': 'Date',
      'info.model': 'Model',
      'info.untrained': 'untrained placeholder: counts are not meaningful yet',
      'info.accuracy': 'Measured accuracy',
      'info.notMeasured': 'not yet measured',
      'info.untrainedShort': 'untrained',
      'info.timings': 'Timings',
      'info.image': 'Image',
      'info.threshold': 'Thresholds',
      'info.thresholdSaved': '{list} (saved)',
      'info.thresholdSlider': '{t} for all cell types (slider)',
      'info.id': 'Result ID',
      'info.sample': 'Sample',
      'info.scale': 'Scale',
      'info.fov': 'Field of view',
      'scale.source.request': 'given with the upload',
      'scale.source.profile': 'from the calibration profile',
      'scale.source.auto': 'estimated from the red cells',
      'scale.source.none': 'not known',
      'scale.rbc': 'red cells {px} px across',
      'scale.rbcNone': 'red cell size not measured',
      'scale.um': '{v} µm/px',
      'scale.factor': 'detected at ×{f}',
      'scale.unsureShort': 'unsure',
      'scale.unsure': 'Scale unsure: {reason} The counts may be wrong. Check the boxes, or enter the µm per pixel under Advanced and analyse the image again.',
      'scale.reason.no_red_cells': 'no red cells were found to measure.',
      'scale.reason.few_red_cells': 'too few red cells to measure their size reliably.',
      'scale.reason.inconsistent_sizes': 'the red cells differ too much in size.',
      'scale.reason.other': 'the cell size could not be measured reliably.',
      'fov.circle': 'circle, centre {cx}, {cy} px, radius {r} px',
      'fov.clipped': 'cut by the image edge',
      'fov.rect': 'rectangle {w} × {h} px at {x}, {y}',
      'fov.area': 'area {px} px²',
      'fov.areaUm': 'area {px} px² = {um} µm²',
      'fov.rule': 'Only cells whose box centre lies inside are counted.',
      'timing.decode': 'decode',
      'timing.detect': 'detect',
      'timing.encode': 'encode',
      'timing.total': 'total',
      'zoom.in': 'Zoom in',
      'zoom.out': 'Zoom out',
      'zoom.reset': 'Fit',
      'zoom.hint': 'Tap or hover a box to see its class and confidence. Pinch, wheel or the buttons zoom; drag to move.',
      'box.info': '{cls}: {pct}% confidence',
      'base.annotated': 'This saved image already shows the server\'s boxes at the saved thresholds ({t}); the coloured outlines on top are drawn by this page.',
      'dl.title': 'Download and print',
      'dl.image': 'Annotated image',
      'dl.json': 'Result (JSON)',
      'dl.shown': 'Image as shown (PNG)',
      'dl.csv': 'Counts (CSV)',
      'print': 'Print report',
      'disclaimer': 'Screening aid only, not a diagnosis. Have a trained person review the image, and confirm with laboratory tests.',
      'report.title': 'Blood cell count report',
      'report.printed': 'Printed',

      'history.title': 'History',
      'history.refresh': 'Refresh',
      'history.empty': 'No results yet.',
      'history.loading': 'Loading…',
      'history.selectAll': 'Select all',
      'history.select': 'Select result {id}',
      'history.csv': 'Download CSV of selected ({n})',
      'history.open': 'Open',
      'history.delete': 'Delete',
      'history.confirm': 'Confirm delete',
      'history.deleted': 'Result deleted.',
      'history.thumb': 'Thumbnail of result {id}',
      'history.sample': 'Sample {id}',

      'samples.title': 'Samples',
      'samples.intro': 'Group several fields of one preparation into a sample to get totals and estimates.',

      'smp.new': 'New sample',
      'smp.none': 'No samples yet.',
      'smp.code': 'Sample code (no names)',
      'smp.codeShort': 'Code',
      'smp.codeHint': 'A code only: never the patient\'s name.',
      'smp.preparation': 'Preparation',
      'smp.prep.smear': 'Stained thin smear',
      'smp.prep.chamber': 'Counting chamber',
      'smp.profile': 'Calibration profile',
      'smp.dilution': 'Dilution (200 for 1:200)',
      'smp.dilutionHint': 'Blank: the profile\'s default.',
      'smp.age': 'Age',
      'smp.ageUnit': 'Age in',
      'smp.years': 'years',
      'smp.months': 'months',
      'smp.sex': 'Sex',
      'smp.sex.unknown': 'not stated',
      'smp.sex.female': 'female',
      'smp.sex.male': 'male',
      'smp.pregnant': 'Pregnant',
      'smp.trimester': 'Trimester',
      'smp.trimesterN': 'trimester {n}',
      'smp.hb': 'Measured haemoglobin',
      'smp.hbUnit': 'Unit',
      'smp.altitude': 'Altitude of residence (m)',
      'smp.smoker': 'Smoker',
      'smp.note': 'Note',
      'smp.noteHint': 'No names or other identifying details.',
      'smp.create': 'Create sample',
      'smp.yes': 'yes',
      'smp.no': 'no',
      'smp.fieldsN': '{n} field(s) (images)',
      'smp.fields': 'Fields',
      'smp.back': 'All samples',
      'smp.sample': 'Sample',
      'smp.add': 'Analyse images into this sample',
      'smp.activeBar': 'New images go into sample {code}.',
      'smp.view': 'View sample',
      'smp.stop': 'Stop adding',
      'smp.unstable': 'Too few cells counted for a stable estimate.',
      'smp.total': 'Total',
      'smp.meanSd': 'Mean ± SD per image',
      'smp.ci': '95 % CI of the mean',
      'smp.perUl': 'Estimate per µL',
      'smp.flag': 'Flag',
      'smp.flag.low': 'low',
      'smp.flag.high': 'high',
      'smp.flag.normal': 'within range',
      'smp.flag.none': 'no range applies',
      'smp.formulas': 'How each figure was computed',
      'smp.range': 'reference range',
      'smp.screening': 'Anaemia screening',
      'smp.screen.likely': 'Anaemia likely',
      'smp.screen.not_indicated': 'Anaemia not indicated',
      'smp.screen.cannot_tell': 'Cannot tell',
      'smp.severity.mild': 'mild',
      'smp.severity.moderate': 'moderate',
      'smp.severity.severe': 'severe',
      'smp.group': 'Group',
      'smp.sources': 'Sources',
      'smp.err.not_found': 'This sample no longer exists; it may have been deleted. Open another one from the list of samples.',
      'smp.err.invalid': 'The sample was not saved. Correct this and try again:',

      /* The API's sentences by code (its "..._i18n" lists, docs/api.md); the English is the server's own. */
      'msg.ci_method': '95% confidence interval of the mean count per image: mean ± t × SD ÷ √n, with SD the sample standard deviation (n − 1) and t the two-sided 95% Student t value for n − 1 degrees of freedom (table; 1.96 above 120); lower bound clamped at 0; none with fewer than 2 images. Density intervals scale the same interval by the same factors.',
      'msg.stability_rule': 'Stable when at least {min_rbc} RBC and at least {min_fields} fields (images) were counted.',
      'msg.few_rbc': 'Only {rbc} RBC counted (fewer than {min_rbc}).',
      'msg.few_fields': 'Only {fields} {fields?field:fields} (fewer than {min_fields}).',
      'msg.images_per_field_profile': 'images per field = {images_per_field} (profile "{profile}": one image is 1/{images_per_field} of a field)',
      'msg.images_per_field_calibrated': 'images per field = π × ({field_diameter_um} µm ÷ 2)² ÷ ({width_px} px × {height_px} px × ({um_per_px} µm/px)²) = {images_per_field}',
      'msg.images_per_field_measured': 'images per field = π × ({field_diameter_um} µm ÷ 2)² ÷ {fov_area_um2} µm² (mean measured field of view of {images} {images?image:images}) = {images_per_field}',
      'msg.fov_partly_measured': '(field of view measured in {measured} of {images} images: the measured area is used only when every image of the sample has one)',
      'msg.fov_no_field_diameter': '(every image has a measured field of view, but profile "{profile}" gives no field diameter: not used)',
      'msg.image_size_missing': 'image size missing in a result.json',
      'msg.area_profile': 'counted area = {images} {images?image:images} × {field_area_mm2} mm² (profile "{profile}") = {area_mm2} mm²',
      'msg.area_calibrated': 'counted area = {images} {images?image:images} × {width_px} px × {height_px} px × ({um_per_px} µm/px)² = {images} × {image_area_mm2} mm² = {area_mm2} mm²',
      'msg.area_calibrated_mixed': 'counted area = Σ (width px × height px × ({um_per_px} µm/px)²) over {images} {images?image:images} = {area_mm2} mm²',
      'msg.area_measured': 'counted area = measured field of view of {images} {images?image:images} = {area_mm2} mm²',
      'msg.smear_density': '{class|msg.class}/µL ≈ {mean} per image ({total} {class|msg.noun} ÷ {fields} {fields?image:images}) × {images_per_field} images/field × {factor} = {per_ul}',
      'msg.chamber_density': '{class|msg.class}/µL = {total} {class|msg.noun} ÷ ({area_mm2} mm² × {depth_mm} mm) × {dilution} = {per_ul}',
      'msg.class.RBC': 'RBC',
      'msg.class.WBC': 'WBC',
      'msg.class.Platelets': 'Platelets',
      'msg.noun.RBC': 'RBC',
      'msg.noun.WBC': 'WBC',
      'msg.noun.Platelets': 'platelets',
      'msg.assumptions_chamber': 'Assumes the cells settled evenly in the chamber, the stated dilution and depth, the counted area from the calibration, and that the detector found every cell.',
      'msg.assumptions_smear_rbc': 'Estimate only: assumes images from the monolayer (red cells just touching), the profile\'s blood volume per field, and that the detector separated every red cell; overlapping cells make it low. Anaemia needs a haemoglobin test.',
      'msg.assumptions_smear_wbc': 'Assumes images from the monolayer and the profile\'s factor; white cells gather at the feathered edge, so the body of the smear can read low.',
      'msg.assumptions_smear_platelets': 'Assumes images from the monolayer and the profile\'s factor (15,000-20,000 per platelet per oil field); platelet clumps make it low.',
      'msg.calibration_not_loaded': 'Calibration not loaded on this server.',
      'msg.profile_missing': 'The sample\'s calibration profile no longer exists in clinical.json.',
      'msg.no_fields': 'No fields yet.',
      'msg.images_per_field_unknown': 'Cannot compute images per field.',
      'msg.area_unknown': 'Cannot compute the counted area.',
      'msg.flag_rbc_low': 'Low RBC estimate — confirm with a hemoglobin test.',
      'msg.flag_rbc_high': 'High RBC estimate — confirm with a full blood count.',
      'msg.flag_wbc_low': 'Low WBC estimate — confirm with a WBC count.',
      'msg.flag_wbc_high': 'High WBC estimate — confirm with a WBC count.',
      'msg.flag_platelets_low': 'Low platelet estimate — look for platelet clumps and confirm with a platelet count.',
      'msg.flag_platelets_high': 'High platelet estimate — confirm with a platelet count.',
      'msg.flag_normal': 'Within the reference range.',
      'msg.flag_none': 'No reference range applies (age or sex unknown, or under 6 months), or no estimate.',
      'msg.no_hemoglobin': 'No haemoglobin was measured. Anaemia is defined by haemoglobin, which a photo cannot measure; measure it to screen for anaemia.',
      'msg.no_hemoglobin_low_rbc': 'No haemoglobin was measured. Low RBC estimate — confirm with a hemoglobin test. Anaemia is defined by haemoglobin, which a photo cannot measure.',
      'msg.trimester_needed': 'Pregnancy trimester is needed: the WHO cutoff differs by trimester.',
      'msg.age_needed': 'Age is needed to choose the WHO haemoglobin cutoff.',
      'msg.under_6_months': 'WHO gives no haemoglobin cutoff for infants under 6 months.',
      'msg.sex_needed': 'Sex is needed to choose the WHO haemoglobin cutoff from 15 years of age.',
      'msg.no_cutoff_group': 'No WHO haemoglobin cutoff fits this person\'s age, sex and pregnancy status.',
      'msg.hemoglobin_not_below_cutoff': 'Adjusted haemoglobin {adjusted_g_l} g/L is at or above the WHO cutoff of {cutoff_g_l} g/L for {group|msg.group}.',
      'msg.hemoglobin_below_cutoff': 'Adjusted haemoglobin {adjusted_g_l} g/L is below the WHO cutoff of {cutoff_g_l} g/L for {group|msg.group}: {severity|smp.severity} anaemia band.',
      'msg.altitude_not_given': 'Altitude not given: no altitude adjustment applied (assumes residence below 500 m).',
      'msg.reference_not_loaded': 'Reference data not loaded on this server (see the server log).',
      'msg.hemoglobin_formula': 'adjusted Hb = {measured_g_l} g/L measured − {altitude_g_l} g/L altitude − {smoking_g_l} g/L smoking = {adjusted_g_l} g/L; cutoff for {group|msg.group}: anaemia below {cutoff_g_l} g/L',
      'msg.group.pregnant_t1': 'pregnant women, 1st trimester',
      'msg.group.pregnant_t2': 'pregnant women, 2nd trimester',
      'msg.group.pregnant_t3': 'pregnant women, 3rd trimester',
      'msg.group.child_6_23m': 'children 6-23 months',
      'msg.group.child_24_59m': 'children 24-59 months',
      'msg.group.child_5_11y': 'children 5-11 years',
      'msg.group.child_12_14y': 'adolescents 12-14 years',
      'msg.group.women_15y': 'non-pregnant women 15 years and older',
      'msg.group.men_15y': 'men 15 years and older',
      /* Texts of etc/clinical.json and etc/reference-ranges.json, used only while the server's is this English (i18n.label). */
      'msg.profile.bccd-smear-100x': 'Thin smear, 100x oil, BCCD-like camera (image = 1/20 of a field)',
      'msg.profile.smear-100x-fn18': 'Thin smear, 100x oil, field number 18 eyepiece, calibrated camera',
      'msg.profile.neubauer-40x': 'Improved Neubauer chamber, 40x objective, calibrated camera',
      'msg.source.smear': 'Platelet estimate from a thin smear: mean platelets per oil-immersion (100x) field in the monolayer x 15,000 (monolayer) to 20,000 (wedge) per uL; one such field holds roughly 1/15,000 uL of blood. Standard laboratory practice described in haematology laboratory manuals (e.g. Dacie and Lewis, chapter on blood film examination); the factor should be validated locally against chamber or analyser counts.',
      'msg.disclaimer': 'Screening aid, not a diagnosis. Counts come from an automated detector on a few images and can be wrong; estimates from a photo rest on the calibration and assumptions shown; anaemia is defined by haemoglobin. Confirm any abnormal or unexpected result with standard laboratory methods and a qualified clinician.',
      'msg.body_required': 'A JSON body is required.',
      'msg.body_too_large': 'The JSON body is too large.',
      'msg.body_not_json': 'The body is not valid JSON ({error}).',
      'msg.body_not_object': 'The body must be a JSON object.',
      'msg.unknown_field': 'Unknown field "{field}".',
      'msg.code_required': 'Field "code" is required (a sample code, never a patient name).',
      'msg.code_invalid': 'Field "code": 1 to {max} characters from A-Z a-z 0-9 . _ - (a sample code, never a patient name).',
      'msg.age_invalid': 'Field "age" must be a number >= 0.',
      'msg.age_unit_required': 'Field "age_unit" ("years" or "months") is required with "age"; give months for children under 5.',
      'msg.age_unit_invalid': 'Field "age_unit" must be "years" (age up to 130) or "months".',
      'msg.age_unit_without_age': 'Field "age_unit" given without "age".',
      'msg.sex_invalid': 'Field "sex" must be "female", "male" or "unknown".',
      'msg.pregnant_invalid': 'Field "pregnant" must be true or false.',
      'msg.trimester_invalid': 'Field "trimester" must be 1, 2 or 3.',
      'msg.pregnant_not_female': 'Field "pregnant": only for sex "female".',
      'msg.pregnant_too_young': 'Field "pregnant": not plausible under 10 years of age; check "age" and "age_unit".',
      'msg.trimester_without_pregnant': 'Field "trimester" needs "pregnant": true.',
      'msg.hemoglobin_invalid': 'Field "hemoglobin" must be a number.',
      'msg.hemoglobin_unit_required': 'Field "hemoglobin_unit" ("g/dL" or "g/L") is required with "hemoglobin".',
      'msg.hemoglobin_unit_invalid': 'Field "hemoglobin_unit" must be "g/dL" or "g/L".',
      'msg.hemoglobin_out_of_range': 'Field "hemoglobin": {value} {unit} is outside 1-25 g/dL (10-250 g/L); check the unit.',
      'msg.altitude_invalid': 'Field "altitude_m" must be a number from -500 to 9000 (metres above sea level).',
      'msg.smoker_invalid': 'Field "smoker" must be true or false.',
      'msg.packs_per_day_invalid': 'Field "packs_per_day" must be a number from 0 to 10.',
      'msg.packs_per_day_without_smoker': 'Field "packs_per_day" needs "smoker": true.',
      'msg.note_invalid': 'Field "note": text of at most {max} bytes without control characters (no patient names).',
      'msg.preparation_invalid': 'Field "preparation" must be "smear" or "chamber".',
      'msg.profile_invalid': 'Field "profile" must be a string.',
      'msg.profile_unknown': 'Field "profile": no {preparation|msg.prep} profile named "{profile}" (see GET /api/samples/profiles).',
      'msg.prep.smear': 'smear',
      'msg.prep.chamber': 'chamber',
      'msg.dilution_invalid': 'Field "dilution" must be a number from 1 to 1000000 (200 for 1:200).',
      'msg.dilution_not_chamber': 'Field "dilution" applies to chamber preparations only.',
      'msg.result_required': 'Field "result" (a result id) is required.',
      'msg.sample_or_result_not_found': 'No such sample or result.',
      'msg.sample_not_found': 'No such sample.',
      'msg.result_not_found': 'No such result.',
      'msg.route_not_found': 'No such route.',
      'msg.sample_full': 'The sample already holds the maximum number of results.',
      'msg.sample_id_invalid': 'The sample id is not valid.',
      'msg.limit_invalid': 'limit must be 1 to 1000.',
      'msg.clinical_not_loaded': 'Calibration and reference data are not loaded.',

      'err.unsupported_type': 'This file is not a JPEG or PNG image. Choose a photo of the microscope field saved as JPEG or PNG.',
      'err.too_large': 'The file is too large for the server (20 MB at most by default). Take the photo at a lower resolution or resize it, then try again.',
      'err.too_many_pixels': 'The image has too many pixels (at most 8000 pixels a side and 40 megapixels). Resize it and try again.',
      'err.undecodable': 'The image is damaged or incomplete and cannot be read. Copy or take the photo again, then retry.',
      'err.busy': 'The server is busy with other images. Wait a few seconds and try again.',
      'err.not_ready': 'The detection model is not loaded yet. Wait a minute and try again; if this persists, ask the administrator to check the server.',
      'err.storage_full': 'The server\'s storage is full. Delete old results in the History, or ask the administrator to free space.',
      'err.storage_unavailable': 'The server cannot save results right now. Ask the administrator to check the results folder.',
      'err.internal': 'An unexpected server error occurred. Try again; if it happens again, ask the administrator to check the server log.',
      'err.bad_request': 'The server did not understand the request. Reload the page and try again.',
      'err.missing_field': 'The server did not receive the image. Choose the file again and retry.',
      'err.bad_multipart': 'The upload arrived incomplete. Check the connection and try again.',
      'err.bad_threshold': 'The threshold must be a number from 0 to 1. Correct it under Advanced, or leave it blank.',
      'err.bad_um_per_px': 'The micrometres per pixel must be a positive number such as 0.1 (or 0,1). Correct it under Advanced, or leave it blank.',
      'err.not_a_smear': 'No blood cells were found in this photo: it looks blank, or it is not a blood smear. Photograph a stained smear through the microscope, in focus, and try again.',
      'err.cells_too_small': 'The cells in this photo are too small to count, even at full resolution. Use a stronger objective (100x oil) or zoom the camera in, then try again.',
      'err.detail.sample_not_found': 'The sample these images were going into no longer exists; it may have been deleted. Stop adding to it in the bar above, then try again.',
      'err.not_found': 'This result no longer exists; it may have been deleted. Open another one from the History.',
      'err.method_not_allowed': 'The server refused this action. Reload the page; the software may have been updated.',
      'err.network': 'Cannot reach the BloodView server. Check that it is running and that this device is on its network, then try again.',
      'err.aborted': 'Upload cancelled.',
      'err.unknown': 'Unexpected answer from the server (HTTP {status}). Try again; if it persists, ask the administrator.',
      'err.code': 'Error code: {code}'
    },
    es: {
      'app.tagline': 'Conteo de células sanguíneas en imágenes de microscopio',
      'nav.label': 'Secciones principales',
      'nav.analyze': 'Analizar',
      'nav.history': 'Historial',
      'nav.samples': 'Muestras',
      'lang.label': 'Idioma',
      'skip': 'Ir al contenido',

      'upload.title': 'Analizar imágenes',
      'upload.drop': 'Arrastre y suelte aquí imágenes de microscopio (JPEG o PNG), una o varias.',
      'upload.or': 'o',
      'upload.choose': 'Elegir imágenes',
      'upload.camera': 'Tomar una foto',
      'upload.advanced': 'Opciones avanzadas',
      'upload.threshold': 'Un umbral para todos los tipos de célula en los conteos guardados (0,05 a 1; vacío = el umbral del modelo para cada tipo)',
      'upload.umPerPx': 'Micrómetros por píxel de este microscopio y cámara (opcional, p. ej. 0,1; vacío = del perfil de calibración de la muestra o, si no, medido en los glóbulos rojos)',
      'upload.cancel': 'Cancelar',
      'upload.dropHere': 'Suelte las imágenes para analizarlas',

      'queue.title': 'Envíos',
      'queue.waiting': 'En espera',
      'queue.uploading': 'Subiendo {pct} %',
      'queue.analysing': 'Analizando…',
      'queue.done': 'Listo: {n} células',
      'queue.doneUnsure': 'Listo: {n} células (escala dudosa)',
      'queue.cancelled': 'Cancelado',
      'queue.retrying': 'Servidor ocupado; se reintenta en {s} s…',
      'queue.open': 'Abrir',

      'result.title': 'Resultado',
      'result.empty': 'Aún no hay un resultado. Analice una imagen arriba o abra una desde el Historial.',
      'result.loading': 'Cargando resultado…',
      'legend.title': 'Tipos de célula',
      'legend.hint': 'Toque un tipo para mostrar u ocultar sus recuadros.',
      'class.RBC': 'Glóbulos rojos',
      'class.WBC': 'Glóbulos blancos',
      'class.Platelets': 'Plaquetas',
      'abbr.RBC': 'GR',
      'abbr.WBC': 'GB',
      'abbr.Platelets': 'PLT',
      'slider.label': 'Umbral de confianza',
      'slider.help': 'Solo se muestran y cuentan los recuadros con el umbral o más. Al mover el control se aplica un solo umbral a todos los tipos de célula.',
      'slider.saved': 'Umbrales guardados: {list}.',
      'slider.savedOne': 'Umbral guardado: {t} para todos los tipos de célula.',
      'slider.perType': 'guardados, por tipo de célula',
      'slider.modeSaved': 'En uso: los umbrales guardados.',
      'slider.modeSlider': 'En uso: {t} para todos los tipos de célula (control deslizante).',
      'slider.reset': 'Usar los umbrales guardados',
      'list.sep': '; ',
      'counts.title': 'Conteos',
      'counts.class': 'Tipo de célula',
      'counts.count': 'Cantidad',
      'counts.share': 'Proporción',
      'counts.total': 'Total',
      'counts.hidden': 'oculto',
      'ratio.label': 'Relación GR:GB',
      'ratio.none': 'no se detectaron GB',
      'chart.title': 'Distribución',
      'chart.desc': 'Gráfico de barras de los conteos: {list}',
      'info.title': 'Detalles',
      'info.date': 'Fecha',
      'info.model': 'Modelo',
      'info.untrained': 'modelo provisional sin entrenar: los conteos aún no son válidos',
      'info.accuracy': 'Exactitud medida',
      'info.notMeasured': 'aún no medida',
      'info.untrainedShort': 'sin entrenar',
      'info.timings': 'Tiempos',
      'info.image': 'Imagen',
      'info.threshold': 'Umbrales',
      'info.thresholdSaved': '{list} (guardados)',
      'info.thresholdSlider': '{t} para todos los tipos de célula (control deslizante)',
      'info.id': 'ID del resultado',
      'info.sample': 'Muestra',
      'info.scale': 'Escala',
      'info.fov': 'Campo de visión',
      'scale.source.request': 'indicada al enviar la imagen',
      'scale.source.profile': 'del perfil de calibración',
      'scale.source.auto': 'estimada a partir de los glóbulos rojos',
      'scale.source.none': 'desconocida',
      'scale.rbc': 'glóbulos rojos de {px} px de diámetro',
      'scale.rbcNone': 'tamaño de los glóbulos rojos no medido',
      'scale.um': '{v} µm/px',
      'scale.factor': 'detección a ×{f}',
      'scale.unsureShort': 'dudosa',
      'scale.unsure': 'Escala dudosa: {reason} Los conteos pueden ser erróneos. Revise los recuadros, o indique los micrómetros por píxel en Opciones avanzadas y analice la imagen de nuevo.',
      'scale.reason.no_red_cells': 'no se encontraron glóbulos rojos que medir.',
      'scale.reason.few_red_cells': 'hay muy pocos glóbulos rojos para medir su tamaño con fiabilidad.',
      'scale.reason.inconsistent_sizes': 'los glóbulos rojos difieren demasiado en tamaño.',
      'scale.reason.other': 'no se pudo medir el tamaño de las células con fiabilidad.',
      'fov.circle': 'círculo, centro {cx}, {cy} px, radio {r} px',
      'fov.clipped': 'cortado por el borde de la imagen',
      'fov.rect': 'rectángulo de {w} × {h} px en {x}, {y}',
      'fov.area': 'área {px} px²',
      'fov.areaUm': 'área {px} px² = {um} µm²',
      'fov.rule': 'Solo se cuentan las células cuyo recuadro tiene el centro dentro.',
      'timing.decode': 'decodificar',
      'timing.detect': 'detectar',
      'timing.encode': 'codificar',
      'timing.total': 'total',
      'zoom.in': 'Acercar',
      'zoom.out': 'Alejar',
      'zoom.reset': 'Ajustar',
      'zoom.hint': 'Toque o pase el cursor sobre un recuadro para ver su tipo y confianza. Pellizque, use la rueda o los botones para acercar; arrastre para mover.',
      'box.info': '{cls}: {pct} % de confianza',
      'base.annotated': 'Esta imagen guardada ya muestra los recuadros del servidor con los umbrales guardados ({t}); los contornos de color encima los dibuja esta página.',
      'dl.title': 'Descargar e imprimir',
      'dl.image': 'Imagen anotada',
      'dl.json': 'Resultado (JSON)',
      'dl.shown': 'Imagen como se ve (PNG)',
      'dl.csv': 'Conteos (CSV)',
      'print': 'Imprimir informe',
      'disclaimer': 'Solo es una ayuda de tamizaje, no un diagnóstico. Una persona capacitada debe revisar la imagen; confirme con pruebas de laboratorio.',
      'report.title': 'Informe de conteo de células sanguíneas',
      'report.printed': 'Impreso',

      'history.title': 'Historial',
      'history.refresh': 'Actualizar',
      'history.empty': 'Aún no hay resultados.',
      'history.loading': 'Cargando…',
      'history.selectAll': 'Seleccionar todos',
      'history.select': 'Seleccionar el resultado {id}',
      'history.csv': 'Descargar CSV de los seleccionados ({n})',
      'history.open': 'Abrir',
      'history.delete': 'Eliminar',
      'history.confirm': 'Confirmar eliminación',
      'history.deleted': 'Resultado eliminado.',
      'history.thumb': 'Miniatura del resultado {id}',
      'history.sample': 'Muestra {id}',

      'samples.title': 'Muestras',
      'samples.intro': 'Agrupe varios campos de una misma preparación en una muestra para obtener totales y estimaciones.',

      'smp.new': 'Nueva muestra',
      'smp.none': 'Aún no hay muestras.',
      'smp.code': 'Código de la muestra (sin nombres)',
      'smp.codeShort': 'Código',
      'smp.codeHint': 'Solo un código: nunca el nombre del paciente.',
      'smp.preparation': 'Preparación',
      'smp.prep.smear': 'Frotis delgado teñido',
      'smp.prep.chamber': 'Cámara de recuento',
      'smp.profile': 'Perfil de calibración',
      'smp.dilution': 'Dilución (200 para 1:200)',
      'smp.dilutionHint': 'Vacío: la del perfil.',
      'smp.age': 'Edad',
      'smp.ageUnit': 'Edad en',
      'smp.years': 'años',
      'smp.months': 'meses',
      'smp.sex': 'Sexo',
      'smp.sex.unknown': 'no indicado',
      'smp.sex.female': 'femenino',
      'smp.sex.male': 'masculino',
      'smp.pregnant': 'Embarazada',
      'smp.trimester': 'Trimestre',
      'smp.trimesterN': 'trimestre {n}',
      'smp.hb': 'Hemoglobina medida',
      'smp.hbUnit': 'Unidad',
      'smp.altitude': 'Altitud de residencia (m)',
      'smp.smoker': 'Fumador',
      'smp.note': 'Nota',
      'smp.noteHint': 'Sin nombres ni otros datos que identifiquen.',
      'smp.create': 'Crear muestra',
      'smp.yes': 'sí',
      'smp.no': 'no',
      'smp.fieldsN': '{n} campo(s) (imágenes)',
      'smp.fields': 'Campos',
      'smp.back': 'Todas las muestras',
      'smp.sample': 'Muestra',
      'smp.add': 'Analizar imágenes en esta muestra',
      'smp.activeBar': 'Las nuevas imágenes van a la muestra {code}.',
      'smp.view': 'Ver muestra',
      'smp.stop': 'Dejar de añadir',
      'smp.unstable': 'Se contaron muy pocas células para una estimación estable.',
      'smp.total': 'Total',
      'smp.meanSd': 'Media ± DE por imagen',
      'smp.ci': 'IC 95 % de la media',
      'smp.perUl': 'Estimación por µL',
      'smp.flag': 'Alerta',
      'smp.flag.low': 'bajo',
      'smp.flag.high': 'alto',
      'smp.flag.normal': 'dentro del rango',
      'smp.flag.none': 'sin rango aplicable',
      'smp.formulas': 'Cómo se calculó cada cifra',
      'smp.range': 'rango de referencia',
      'smp.screening': 'Tamizaje de anemia',
      'smp.screen.likely': 'Anemia probable',
      'smp.screen.not_indicated': 'Anemia no indicada',
      'smp.screen.cannot_tell': 'No se puede determinar',
      'smp.severity.mild': 'leve',
      'smp.severity.moderate': 'moderada',
      'smp.severity.severe': 'grave',
      'smp.group': 'Grupo',
      'smp.sources': 'Fuentes',
      'smp.err.not_found': 'Esta muestra ya no existe; puede haber sido eliminada. Abra otra desde la lista de muestras.',
      'smp.err.invalid': 'La muestra no se guardó. Corrija lo siguiente y vuelva a intentarlo:',

      /* The API's sentences by code (its "..._i18n" lists, docs/api.md); the English is the server's own. */
      'msg.ci_method': 'Intervalo de confianza del 95 % de la media de células por imagen: media ± t × DE ÷ √n, con DE la desviación estándar muestral (n − 1) y t el valor t de Student bilateral del 95 % para n − 1 grados de libertad (tabla; 1.96 por encima de 120); límite inferior recortado en 0; ninguno con menos de 2 imágenes. Los intervalos de densidad escalan ese mismo intervalo por los mismos factores.',
      'msg.stability_rule': 'Estable cuando se contaron al menos {min_rbc} GR y al menos {min_fields} campos (imágenes).',
      'msg.few_rbc': 'Solo se contaron {rbc} GR (menos de {min_rbc}).',
      'msg.few_fields': 'Solo {fields} {fields?campo:campos} (menos de {min_fields}).',
      'msg.images_per_field_profile': 'imágenes por campo = {images_per_field} (perfil «{profile}»: una imagen es 1/{images_per_field} de un campo)',
      'msg.images_per_field_calibrated': 'imágenes por campo = π × ({field_diameter_um} µm ÷ 2)² ÷ ({width_px} px × {height_px} px × ({um_per_px} µm/px)²) = {images_per_field}',
      'msg.images_per_field_measured': 'imágenes por campo = π × ({field_diameter_um} µm ÷ 2)² ÷ {fov_area_um2} µm² (campo de visión medido, media de {images} {images?imagen:imágenes}) = {images_per_field}',
      'msg.fov_partly_measured': '(campo de visión medido en {measured} de {images} imágenes: el área medida solo se usa cuando todas las imágenes de la muestra la tienen)',
      'msg.fov_no_field_diameter': '(todas las imágenes tienen un campo de visión medido, pero el perfil «{profile}» no indica el diámetro del campo: no se usa)',
      'msg.image_size_missing': 'falta el tamaño de la imagen en un result.json',
      'msg.area_profile': 'área contada = {images} {images?imagen:imágenes} × {field_area_mm2} mm² (perfil «{profile}») = {area_mm2} mm²',
      'msg.area_calibrated': 'área contada = {images} {images?imagen:imágenes} × {width_px} px × {height_px} px × ({um_per_px} µm/px)² = {images} × {image_area_mm2} mm² = {area_mm2} mm²',
      'msg.area_calibrated_mixed': 'área contada = Σ (ancho px × alto px × ({um_per_px} µm/px)²) en {images} {images?imagen:imágenes} = {area_mm2} mm²',
      'msg.area_measured': 'área contada = campo de visión medido de {images} {images?imagen:imágenes} = {area_mm2} mm²',
      'msg.smear_density': '{class|msg.class}/µL ≈ {mean} por imagen ({total} {class|msg.noun} ÷ {fields} {fields?imagen:imágenes}) × {images_per_field} imágenes/campo × {factor} = {per_ul}',
      'msg.chamber_density': '{class|msg.class}/µL = {total} {class|msg.noun} ÷ ({area_mm2} mm² × {depth_mm} mm) × {dilution} = {per_ul}',
      'msg.class.RBC': 'GR',
      'msg.class.WBC': 'GB',
      'msg.class.Platelets': 'Plaquetas',
      'msg.noun.RBC': 'GR',
      'msg.noun.WBC': 'GB',
      'msg.noun.Platelets': 'plaquetas',
      'msg.assumptions_chamber': 'Supone que las células se asentaron de forma pareja en la cámara, la dilución y la profundidad indicadas, el área contada según la calibración y que el detector encontró todas las células.',
      'msg.assumptions_smear_rbc': 'Solo una estimación: supone imágenes de la monocapa (glóbulos rojos que apenas se tocan), el volumen de sangre por campo del perfil y que el detector separó cada glóbulo rojo; las células superpuestas la hacen baja. La anemia requiere una prueba de hemoglobina.',
      'msg.assumptions_smear_wbc': 'Supone imágenes de la monocapa y el factor del perfil; los glóbulos blancos se acumulan en el borde del frotis, por lo que el cuerpo del frotis puede dar un valor bajo.',
      'msg.assumptions_smear_platelets': 'Supone imágenes de la monocapa y el factor del perfil (15,000-20,000 por plaqueta por campo de inmersión en aceite); los agregados de plaquetas la hacen baja.',
      'msg.calibration_not_loaded': 'La calibración no está cargada en este servidor.',
      'msg.profile_missing': 'El perfil de calibración de la muestra ya no existe en clinical.json.',
      'msg.no_fields': 'Aún no hay campos.',
      'msg.images_per_field_unknown': 'No se pueden calcular las imágenes por campo.',
      'msg.area_unknown': 'No se puede calcular el área contada.',
      'msg.flag_rbc_low': 'Estimación baja de glóbulos rojos: confirme con una prueba de hemoglobina.',
      'msg.flag_rbc_high': 'Estimación alta de glóbulos rojos: confirme con un hemograma completo.',
      'msg.flag_wbc_low': 'Estimación baja de glóbulos blancos: confirme con un recuento de leucocitos.',
      'msg.flag_wbc_high': 'Estimación alta de glóbulos blancos: confirme con un recuento de leucocitos.',
      'msg.flag_platelets_low': 'Estimación baja de plaquetas: busque agregados de plaquetas y confirme con un recuento de plaquetas.',
      'msg.flag_platelets_high': 'Estimación alta de plaquetas: confirme con un recuento de plaquetas.',
      'msg.flag_normal': 'Dentro del rango de referencia.',
      'msg.flag_none': 'No se aplica ningún rango de referencia (edad o sexo desconocidos, o menos de 6 meses), o no hay estimación.',
      'msg.no_hemoglobin': 'No se midió la hemoglobina. La anemia se define por la hemoglobina, que una foto no puede medir; mídala para el tamizaje de anemia.',
      'msg.no_hemoglobin_low_rbc': 'No se midió la hemoglobina. Estimación baja de glóbulos rojos: confirme con una prueba de hemoglobina. La anemia se define por la hemoglobina, que una foto no puede medir.',
      'msg.trimester_needed': 'Se necesita el trimestre del embarazo: el punto de corte de la OMS varía según el trimestre.',
      'msg.age_needed': 'Se necesita la edad para elegir el punto de corte de hemoglobina de la OMS.',
      'msg.under_6_months': 'La OMS no da un punto de corte de hemoglobina para lactantes menores de 6 meses.',
      'msg.sex_needed': 'Se necesita el sexo para elegir el punto de corte de hemoglobina de la OMS a partir de los 15 años.',
      'msg.no_cutoff_group': 'Ningún punto de corte de hemoglobina de la OMS corresponde a la edad, el sexo y el estado de embarazo de esta persona.',
      'msg.hemoglobin_not_below_cutoff': 'La hemoglobina ajustada de {adjusted_g_l} g/L está en o por encima del punto de corte de la OMS de {cutoff_g_l} g/L para {group|msg.group}.',
      'msg.hemoglobin_below_cutoff': 'La hemoglobina ajustada de {adjusted_g_l} g/L está por debajo del punto de corte de la OMS de {cutoff_g_l} g/L para {group|msg.group}: rango de anemia {severity|smp.severity}.',
      'msg.altitude_not_given': 'Altitud no indicada: no se aplicó el ajuste por altitud (se supone residencia por debajo de 500 m).',
      'msg.reference_not_loaded': 'Los datos de referencia no están cargados en este servidor (vea el registro del servidor).',
      'msg.hemoglobin_formula': 'Hb ajustada = {measured_g_l} g/L medida − {altitude_g_l} g/L por altitud − {smoking_g_l} g/L por tabaquismo = {adjusted_g_l} g/L; punto de corte para {group|msg.group}: anemia por debajo de {cutoff_g_l} g/L',
      'msg.group.pregnant_t1': 'embarazadas, 1.er trimestre',
      'msg.group.pregnant_t2': 'embarazadas, 2.º trimestre',
      'msg.group.pregnant_t3': 'embarazadas, 3.er trimestre',
      'msg.group.child_6_23m': 'niños de 6 a 23 meses',
      'msg.group.child_24_59m': 'niños de 24 a 59 meses',
      'msg.group.child_5_11y': 'niños de 5 a 11 años',
      'msg.group.child_12_14y': 'adolescentes de 12 a 14 años',
      'msg.group.women_15y': 'mujeres no embarazadas de 15 años o más',
      'msg.group.men_15y': 'hombres de 15 años o más',
      /* Texts of etc/clinical.json and etc/reference-ranges.json, used only while the server's is this English (i18n.label). */
      'msg.profile.bccd-smear-100x': 'Frotis delgado, 100x en aceite, cámara como la de BCCD (imagen = 1/20 de un campo)',
      'msg.profile.smear-100x-fn18': 'Frotis delgado, 100x en aceite, ocular de número de campo 18, cámara calibrada',
      'msg.profile.neubauer-40x': 'Cámara de Neubauer mejorada, objetivo 40x, cámara calibrada',
      'msg.source.smear': 'Estimación de plaquetas en un frotis delgado: media de plaquetas por campo de inmersión en aceite (100x) en la monocapa x 15,000 (monocapa) a 20,000 (frotis en cuña) por uL; un campo así contiene aproximadamente 1/15,000 uL de sangre. Práctica de laboratorio estándar descrita en los manuales de hematología (p. ej., Dacie y Lewis, capítulo sobre el examen del frotis sanguíneo); el factor debe validarse localmente frente a recuentos en cámara o de analizador.',
      'msg.disclaimer': 'Ayuda de tamizaje, no un diagnóstico. Los conteos vienen de un detector automático aplicado a pocas imágenes y pueden estar equivocados; las estimaciones a partir de una foto dependen de la calibración y los supuestos mostrados; la anemia se define por la hemoglobina. Confirme todo resultado anormal o inesperado con métodos de laboratorio estándar y un profesional clínico calificado.',
      'msg.body_required': 'La solicitud no trae el cuerpo JSON necesario.',
      'msg.body_too_large': 'El cuerpo JSON es demasiado grande.',
      'msg.body_not_json': 'El cuerpo no es JSON válido ({error}).',
      'msg.body_not_object': 'El cuerpo debe ser un objeto JSON.',
      'msg.unknown_field': 'Campo desconocido: «{field}».',
      'msg.code_required': 'Falta el código de la muestra (un código, nunca el nombre del paciente).',
      'msg.code_invalid': 'Código de la muestra: de 1 a {max} caracteres entre A-Z a-z 0-9 . _ - (un código, nunca el nombre del paciente).',
      'msg.age_invalid': 'La edad debe ser un número mayor o igual a 0.',
      'msg.age_unit_required': 'Con la edad hay que indicar su unidad (años o meses); use meses para menores de 5 años.',
      'msg.age_unit_invalid': 'La unidad de la edad debe ser años (edad hasta 130) o meses.',
      'msg.age_unit_without_age': 'Se indicó la unidad de la edad sin la edad.',
      'msg.sex_invalid': 'El sexo debe ser femenino, masculino o no indicado.',
      'msg.pregnant_invalid': '«Embarazada» debe ser sí o no.',
      'msg.trimester_invalid': 'El trimestre debe ser 1, 2 o 3.',
      'msg.pregnant_not_female': '«Embarazada» solo se aplica al sexo femenino.',
      'msg.pregnant_too_young': '«Embarazada» no es plausible con menos de 10 años de edad; revise la edad y su unidad.',
      'msg.trimester_without_pregnant': 'El trimestre requiere marcar «Embarazada».',
      'msg.hemoglobin_invalid': 'La hemoglobina debe ser un número.',
      'msg.hemoglobin_unit_required': 'Con la hemoglobina hay que indicar su unidad (g/dL o g/L).',
      'msg.hemoglobin_unit_invalid': 'La unidad de la hemoglobina debe ser g/dL o g/L.',
      'msg.hemoglobin_out_of_range': 'Hemoglobina: {value} {unit} está fuera de 1-25 g/dL (10-250 g/L); revise la unidad.',
      'msg.altitude_invalid': 'La altitud debe ser un número de -500 a 9000 (metros sobre el nivel del mar).',
      'msg.smoker_invalid': '«Fumador» debe ser sí o no.',
      'msg.packs_per_day_invalid': 'Los paquetes por día deben ser un número de 0 a 10.',
      'msg.packs_per_day_without_smoker': 'Los paquetes por día requieren marcar «Fumador».',
      'msg.note_invalid': 'Nota: texto de hasta {max} bytes sin caracteres de control (sin nombres de pacientes).',
      'msg.preparation_invalid': 'La preparación debe ser un frotis o una cámara de recuento.',
      'msg.profile_invalid': 'El perfil de calibración debe ser un texto.',
      'msg.profile_unknown': 'Perfil de calibración: no hay un perfil de {preparation|msg.prep} llamado «{profile}» (vea GET /api/samples/profiles).',
      'msg.prep.smear': 'frotis',
      'msg.prep.chamber': 'cámara de recuento',
      'msg.dilution_invalid': 'La dilución debe ser un número de 1 a 1000000 (200 para 1:200).',
      'msg.dilution_not_chamber': 'La dilución solo se aplica a las preparaciones en cámara de recuento.',
      'msg.result_required': 'Falta el campo «result» (el ID de un resultado).',
      'msg.sample_or_result_not_found': 'No existe esa muestra o ese resultado.',
      'msg.sample_not_found': 'No existe esa muestra.',
      'msg.result_not_found': 'No existe ese resultado.',
      'msg.route_not_found': 'No existe esa ruta.',
      'msg.sample_full': 'La muestra ya tiene el número máximo de resultados ({max}).',
      'msg.sample_id_invalid': 'El ID de la muestra no es válido.',
      'msg.limit_invalid': 'limit debe ser de 1 a 1000.',
      'msg.clinical_not_loaded': 'Los datos de calibración y de referencia no están cargados.',

      'err.unsupported_type': 'Este archivo no es una imagen JPEG o PNG. Elija una foto del campo del microscopio guardada como JPEG o PNG.',
      'err.too_large': 'El archivo es demasiado grande para el servidor (20 MB como máximo por defecto). Tome la foto con menor resolución o redúzcala y vuelva a intentarlo.',
      'err.too_many_pixels': 'La imagen tiene demasiados píxeles (máximo 8000 píxeles por lado y 40 megapíxeles). Redúzcala y vuelva a intentarlo.',
      'err.undecodable': 'La imagen está dañada o incompleta y no se puede leer. Copie o tome la foto de nuevo y vuelva a intentarlo.',
      'err.busy': 'El servidor está ocupado con otras imágenes. Espere unos segundos y vuelva a intentarlo.',
      'err.not_ready': 'El modelo de detección aún no está cargado. Espere un minuto y vuelva a intentarlo; si continúa, pida al administrador que revise el servidor.',
      'err.storage_full': 'El almacenamiento del servidor está lleno. Elimine resultados antiguos en el Historial o pida al administrador que libere espacio.',
      'err.storage_unavailable': 'El servidor no puede guardar resultados en este momento. Pida al administrador que revise la carpeta de resultados.',
      'err.internal': 'Ocurrió un error inesperado en el servidor. Vuelva a intentarlo; si se repite, pida al administrador que revise el registro del servidor.',
      'err.bad_request': 'El servidor no entendió la solicitud. Recargue la página y vuelva a intentarlo.',
      'err.missing_field': 'El servidor no recibió la imagen. Elija el archivo de nuevo y vuelva a intentarlo.',
      'err.bad_multipart': 'El envío llegó incompleto. Revise la conexión y vuelva a intentarlo.',
      'err.bad_threshold': 'El umbral debe ser un número de 0 a 1. Corríjalo en Opciones avanzadas o déjelo vacío.',
      'err.bad_um_per_px': 'Los micrómetros por píxel deben ser un número positivo como 0,1 (o 0.1). Corríjalo en Opciones avanzadas o déjelo vacío.',
      'err.not_a_smear': 'No se encontraron células sanguíneas en esta foto: parece vacía o no es un frotis de sangre. Fotografíe un frotis teñido a través del microscopio, enfocado, y vuelva a intentarlo.',
      'err.cells_too_small': 'Las células de esta foto son demasiado pequeñas para contarlas, incluso a resolución completa. Use un objetivo de mayor aumento (100x en aceite) o acerque el zoom de la cámara y vuelva a intentarlo.',
      'err.detail.sample_not_found': 'La muestra a la que iban estas imágenes ya no existe; puede haber sido eliminada. Deje de añadirle imágenes en la barra de arriba y vuelva a intentarlo.',
      'err.not_found': 'Este resultado ya no existe; puede haber sido eliminado. Abra otro desde el Historial.',
      'err.method_not_allowed': 'El servidor rechazó esta acción. Recargue la página; el programa puede haberse actualizado.',
      'err.network': 'No se puede conectar con el servidor de BloodView. Verifique que esté en marcha y que este equipo esté en su red, y vuelva a intentarlo.',
      'err.aborted': 'Envío cancelado.',
      'err.unknown': 'Respuesta inesperada del servidor (HTTP {status}). Vuelva a intentarlo; si continúa, avise al administrador.',
      'err.code': 'Código de error: {code}'
    }
  };

  var KEY = 'bloodview.lang';
  var lang = 'en';

  function pick() {
    var saved = null;
    try { saved = window.localStorage.getItem(KEY); } catch (e) { /* storage may be off */ }
    if (saved && STRINGS[saved]) return saved;
    var prefs = navigator.languages || [navigator.language || 'en'];
    for (var i = 0; i < prefs.length; i++) {
      var base = String(prefs[i]).toLowerCase().split('-')[0];
      if (STRINGS[base]) return base;
    }
    return 'en';
  }

  /* t('queue.uploading', {pct: 40}); a missing Spanish key falls back to English, then the key */
  function t(key, vars) {
    var s = STRINGS[lang][key];
    if (s === undefined) s = STRINGS.en[key];
    if (s === undefined) return key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
      });
    }
    return s;
  }

  function has(key) { return STRINGS.en[key] !== undefined; }

  /* Fill every element carrying data-i18n (text), data-i18n-aria (aria-label) or data-i18n-title. */
  function apply(root) {
    root = root || document;
    root.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    root.querySelectorAll('[data-i18n-aria]').forEach(function (el) {
      el.setAttribute('aria-label', t(el.getAttribute('data-i18n-aria')));
    });
    root.querySelectorAll('[data-i18n-title]').forEach(function (el) {
      el.setAttribute('title', t(el.getAttribute('data-i18n-title')));
    });
    document.documentElement.lang = lang;
  }

  function set(l, remember) {
    if (!STRINGS[l]) return;
    lang = l;
    if (remember) {
      try { window.localStorage.setItem(KEY, l); } catch (e) { /* ignore */ }
    }
  }

  function num(x, digits) {
    return Number(x).toLocaleString(lang === 'es' ? 'es-PE' : 'en-GB',
      { minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0 });
  }

  /* Digits after the point x carries, at most 6: the API rounds each number to what it shows. */
  function decimals(x) {
    var s = String(Math.abs(x));
    if (/e-/.test(s)) return 6;
    var m = /\.(\d+)$/.exec(s);
    return m ? Math.min(m[1].length, 6) : 0;
  }

  /*
   * The string prefix.id in this language, for a name or text from the server's data files
   * (english, e.g. a profile's label): only while english is still the text that string
   * translates, so an administrator's own wording is shown as written.  english absent: the
   * string if there is one, else id.
   */
  function label(prefix, id, english) {
    var key = prefix + '.' + id;
    if (has(key) && (typeof english !== 'string' || english === STRINGS.en[key])) return t(key);
    return typeof english === 'string' ? english : String(id);
  }

  /*
   * Fill a "msg.*" template from an API message's params: {name} a number (through num()) or
   * text; {name|prefix} label(prefix, value, params[name_label]); {name?one:other} by whether
   * the number is 1.  null if a param is missing.
   */
  function fill(template, params) {
    var missing = false;
    var out = template.replace(/\{(\w+)(?:\|([\w.]+)|\?([^:{}]*):([^{}]*))?\}/g,
      function (m, name, prefix, one, other) {
        if (!Object.prototype.hasOwnProperty.call(params, name)) { missing = true; return m; }
        var v = params[name];
        if (one !== undefined) return v === 1 ? one : other;
        if (prefix) return label(prefix, v, params[name + '_label']);
        return typeof v === 'number' ? num(v, decimals(v)) : String(v);
      });
    return missing ? null : out;
  }

  /* A list of API messages in this language; null when a code or a param is not known here. */
  function render(list) {
    if (!Array.isArray(list)) return null;
    var out = [];
    for (var i = 0; i < list.length; i++) {
      var m = list[i], key = m && typeof m.code === 'string' ? 'msg.' + m.code : null;
      var s = key && has(key) ? fill(STRINGS[lang][key] || STRINGS.en[key], m.params || {}) : null;
      if (s === null) return null;
      out.push(s);
    }
    return out.join(' ');
  }

  /*
   * One of the API's "..._i18n" lists ([{code, params}], docs/api.md) in this language, the
   * sentences joined by a space; fallback (the API's English text beside the list) when the
   * list is absent or holds a code, or lacks a param, that this page does not know.
   */
  function msgs(list, fallback) {
    var s = render(list);
    return s !== null ? s : (fallback === undefined || fallback === null ? '' : String(fallback));
  }

  /* Whether msgs(list) would word every message of list in this language. */
  function knows(list) { return render(list) !== null; }

  function date(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || '');
    return d.toLocaleString(lang === 'es' ? 'es-PE' : 'en-GB',
      { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  lang = pick();
  window.BV = window.BV || {};
  window.BV.i18n = {
    t: t, has: has, apply: apply, set: set, num: num, date: date, msgs: msgs, knows: knows, label: label,
    get lang() { return lang; }, languages: Object.keys(STRINGS), strings: STRINGS
  };
})();
