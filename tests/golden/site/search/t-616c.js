CatalogSearch.add("t","al",{"alert":"1Q","alert 1":"1O","alert x":"1O","alethea":"0c","algorithmic":"0x","algorithmic dataset":"0Z"});
