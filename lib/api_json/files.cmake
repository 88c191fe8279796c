# Sources of the api_json module (paths relative to lib/): the API's JSON text of the engine's answers.
list(APPEND ERRKB_CORE_SOURCES
  api_json/json_text.cc)
