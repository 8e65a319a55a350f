// Slice viewer on the order page: a range input walks the series in slice order and the preset
// buttons switch the window; every image is a PNG the server renders (no pixel data reaches the
// browser as DICOM). Markup: .slice-viewer[data-base][data-ids] holding img, input[type=range], button[data-preset].
(function () {
  'use strict';
  document.querySelectorAll('.slice-viewer').forEach(function (viewer) {
    var ids = viewer.dataset.ids.split(',');
    var base = viewer.dataset.base;
    var img = viewer.querySelector('img');
    var range = viewer.querySelector('input[type=range]');
    var label = viewer.querySelector('.slice-number');
    var preset = 'auto';
    function show() {
      var index = Number(range.value);
      img.src = base + ids[index] + '/render?preset=' + preset + '&size=512';
      if (label) { label.textContent = (index + 1) + ' / ' + ids.length; }
    }
    range.addEventListener('input', show);
    viewer.querySelectorAll('button[data-preset]').forEach(function (button) {
      button.addEventListener('click', function () { preset = button.dataset.preset; show(); });
    });
    img.addEventListener('error', function () { img.alt = viewer.dataset.unavailable || ''; });
    show();
  });
})();
