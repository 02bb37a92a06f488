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
      'upload.cancel': 'Cancel',
      'upload.dropHere': 'Drop the images to analyse them',

      'queue.title': 'Uploads',
      'queue.waiting': 'Waiting',
      'queue.uploading': 'Uploading {pct}%',
      'queue.analysing': 'Analysing…',
      'queue.done': 'Done: {n} cells',
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
      'upload.cancel': 'Cancelar',
      'upload.dropHere': 'Suelte las imágenes para analizarlas',

      'queue.title': 'Envíos',
      'queue.waiting': 'En espera',
      'queue.uploading': 'Subiendo {pct} %',
      'queue.analysing': 'Analizando…',
      'queue.done': 'Listo: {n} células',
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

  function date(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || '');
    return d.toLocaleString(lang === 'es' ? 'es-PE' : 'en-GB',
      { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  lang = pick();
  window.BV = window.BV || {};
  window.BV.i18n = {
    t: t, has: has, apply: apply, set: set, num: num, date: date,
    get lang() { return lang; }, languages: Object.keys(STRINGS), strings: STRINGS
  };
})();
