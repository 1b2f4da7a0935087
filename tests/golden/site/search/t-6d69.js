CatalogSearch.add("t","mi",{"michael":"3j","misra":"0c"});
