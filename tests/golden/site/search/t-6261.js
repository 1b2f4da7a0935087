CatalogSearch.add("t","ba",{"babuschkin":"0c","bansal":"2a","barak":"2a"});
